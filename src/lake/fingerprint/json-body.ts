/** The parts of a log line whose body is a JSON object that the fingerprint uses. */
export interface JsonBody {
  /** Text before the object, its level, its message and the text after it, space-joined. */
  readonly text: string;
  /** Every leaf key path of the object (`a.b.c`; arrays are leaves), sorted, at most `MAX_KEY_PATHS`. */
  readonly keyPaths: readonly string[];
}

/** Objects larger than this are not parsed (the line is fingerprinted as plain text). */
export const MAX_JSON_CHARS = 1 << 20;
/** At most this many key paths count (the first in sorted order). */
export const MAX_KEY_PATHS = 256;
const MAX_DEPTH = 16;

/**
 * The JSON object a line carries between its first `{` and its last `}` (retrying with Ruby's `=>` turned
 * into `:`), or undefined when there is none. Its level is the shallowest `level`/`loglevel` key's value and
 * its message the shallowest `message`/`msg` key's value (strings or numbers, keys in any case).
 *
 * @example
 * ```ts
 * jsonBody('app: {"level":"info","msg":"started","port":80}');
 * // { text: 'app: info started', keyPaths: ['level', 'msg', 'port'] }
 * ```
 */
export function jsonBody(line: string): JsonBody | undefined {
  const open = line.indexOf('{');
  if (open < 0) return undefined;
  const close = line.lastIndexOf('}');
  if (close <= open || close - open >= MAX_JSON_CHARS) return undefined;
  const slice = line.slice(open, close + 1);
  const parsed =
    parseObject(slice) ?? (slice.includes('=>') ? parseObject(slice.replaceAll('=>', ':')) : undefined);
  if (!parsed) return undefined;
  const walk = new Walk();
  walk.visit(parsed, '', 0);
  walk.keyPaths.sort();
  if (walk.keyPaths.length > MAX_KEY_PATHS) walk.keyPaths.length = MAX_KEY_PATHS;
  let text = line.slice(0, open).trim();
  for (const part of [walk.level, walk.message, line.slice(close + 1).trim()]) {
    if (part) text = text ? `${text} ${part}` : part;
  }
  return { text, keyPaths: walk.keyPaths };
}

type JsonObject = { [key: string]: unknown };

function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One depth-first pass collecting leaf key paths and the shallowest level and message. */
class Walk {
  readonly keyPaths: string[] = [];
  level: string | undefined;
  message: string | undefined;
  private levelDepth = MAX_DEPTH + 1;
  private messageDepth = MAX_DEPTH + 1;

  visit(object: JsonObject, prefix: string, depth: number): void {
    for (const key in object) {
      if (this.keyPaths.length >= MAX_KEY_PATHS * 4) return;
      const value = object[key];
      const path = prefix ? `${prefix}.${key}` : key;
      if (isObject(value) && depth < MAX_DEPTH) {
        const before = this.keyPaths.length;
        this.visit(value, path, depth + 1);
        if (this.keyPaths.length === before) this.keyPaths.push(path);
        continue;
      }
      this.keyPaths.push(path);
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const name = key.length <= 8 ? key.toLowerCase() : '';
      if ((name === 'message' || name === 'msg') && depth < this.messageDepth) {
        this.message = String(value);
        this.messageDepth = depth;
      } else if ((name === 'level' || name === 'loglevel') && depth < this.levelDepth) {
        this.level = String(value);
        this.levelDepth = depth;
      }
    }
  }
}
