/**
 * JSON lines (`.json`, `.ndjson`, `.gz`): one JSON object per line. Cooked names (`chq_*`, `log_*`,
 * `resource_*`, `scope_*`, `attr_*`) are taken as they are, as LakeRunner does; other keys become record
 * attributes. The timestamp is `chq_timestamp`, else the first parsable timestamp column by name; a line
 * without one is a bad row (LakeRunner drops it at binning). Unparsable lines are bad rows, never fatal.
 */
import type { DecodedLog, DecodedValue } from './decoded.js';
import { LEVEL_NAMES, MESSAGE_NAMES, TIMESTAMP_NAMES } from './detect.js';
import type { DecoderInput, LogFormat } from './formats.js';
import { textLineBatches } from './lines.js';
import { parseTimestampNs } from './timestamp.js';

const COOKED_PREFIX = /^(chq_|log_|resource_|scope_|attr_)/;

/** The JSON-lines format entry for the dispatcher. */
export const ndjsonFormat: LogFormat = {
  name: 'ndjson',
  suffixes: ['.json', '.ndjson', '.jsonl'],
  gzip: true,
  decode: decodeJsonLines,
};

async function* decodeJsonLines(input: DecoderInput): AsyncGenerator<DecodedLog> {
  const batches = textLineBatches(input.chunks(), {
    onTooLong: (n) => input.badRow(`line of ${n} bytes is too long`),
  });
  for await (const lines of batches) {
    for (const line of lines) {
      const log = lineToLog(line, input);
      if (log !== undefined) yield log;
    }
  }
}

function lineToLog(line: string, input: DecoderInput): DecodedLog | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    input.badRow('not JSON');
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    input.badRow('not a JSON object');
    return undefined;
  }
  const log = jsonRecordToLog(value as Record<string, unknown>);
  if (log === undefined) input.badRow('no timestamp');
  return log;
}

/**
 * How the records of one key list (in order) are read: which keys may hold the time, message and level,
 * and which of the others are cooked columns. Lines of one file nearly always share their keys, so the
 * plan is worked out once per key list instead of once per line.
 */
interface Shape {
  /** Candidate time keys, in LakeRunner's priority order; the first that parses wins. */
  readonly timestampKeys: readonly string[];
  /** `log_message` when present (taken even when null), else candidates that must hold a value. */
  readonly messageFixed: string | undefined;
  readonly messageKeys: readonly string[];
  readonly levelFixed: string | undefined;
  readonly levelKeys: readonly string[];
  /** The record's keys in order, and per key: true for a cooked column, false for an attribute. */
  readonly keys: readonly string[];
  readonly cooked: readonly boolean[];
}

const MAX_SHAPES = 256;
const shapes = new Map<string, Shape>();

let last: { keys: readonly string[]; shape: Shape } | undefined;

function shapeOf(keys: readonly string[]): Shape {
  // consecutive lines nearly always share their key list: compare it with the last one's before joining
  if (last !== undefined && sameKeys(keys, last.keys)) return last.shape;
  const id = keys.join('\u0000');
  let shape = shapes.get(id);
  if (shape === undefined) {
    const lower = new Map<string, string>();
    for (const name of keys) if (!lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), name);
    const present = (names: readonly string[]) =>
      names.map((name) => lower.get(name)).filter((key): key is string => key !== undefined);
    shape = {
      timestampKeys: present(['chq_tsns', 'chq_timestamp', ...TIMESTAMP_NAMES]),
      messageFixed: lower.get('log_message'),
      messageKeys: present(MESSAGE_NAMES),
      levelFixed: lower.get('log_level'),
      levelKeys: present(LEVEL_NAMES),
      keys,
      cooked: keys.map((name) => COOKED_PREFIX.test(name)),
    };
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(id, shape);
  }
  last = { keys, shape };
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const NONE: Readonly<Record<string, DecodedValue>> = Object.freeze({});

/**
 * One JSON object as a decoded log, or `undefined` when it has no timestamp.
 *
 * @example
 * ```ts
 * jsonRecordToLog({ ts: 1767323045, msg: 'hi', level: 'INFO', user: 'ann' });
 * ```
 */
export function jsonRecordToLog(record: Record<string, unknown>): DecodedLog | undefined {
  const shape = shapeOf(Object.keys(record));
  let timestampKey: string | undefined;
  let timestampNs: bigint | undefined;
  for (const key of shape.timestampKeys) {
    timestampNs = parseTimestampNs(record[key]);
    if (timestampNs !== undefined) {
      timestampKey = key;
      break;
    }
  }
  if (timestampNs === undefined) return undefined;
  const messageKey = shape.messageFixed ?? withValue(record, shape.messageKeys);
  const levelKey = shape.levelFixed ?? withValue(record, shape.levelKeys);
  const columns: Record<string, DecodedValue> = {};
  const attributes: Record<string, DecodedValue> = {};
  for (let k = 0; k < shape.keys.length; k++) {
    const name = shape.keys[k]!;
    if (name === timestampKey || name === messageKey || name === levelKey) continue;
    if (shape.cooked[k]) columns[name] = toValue(record[name]);
    else attributes[name] = toValue(record[name]);
  }
  const level = levelKey === undefined ? undefined : textOf(record[levelKey]);
  return {
    timestampNs,
    message: messageKey === undefined ? '' : (textOf(record[messageKey]) ?? ''),
    ...(level === undefined ? {} : { level }),
    resource: NONE,
    scope: NONE,
    attributes,
    columns,
  };
}

/** The first key whose value is neither null nor missing. */
function withValue(record: Record<string, unknown>, keys: readonly string[]) {
  for (const key of keys) if (record[key] !== null && record[key] !== undefined) return key;
  return undefined;
}

function textOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function toValue(value: unknown): DecodedValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}
