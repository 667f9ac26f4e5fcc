/**
 * JSON lines (`.json`, `.ndjson`, `.gz`): one JSON object per line. Cooked names (`chq_*`, `log_*`,
 * `resource_*`, `scope_*`, `attr_*`) are taken as they are, as LakeRunner does; other keys become record
 * attributes. The timestamp is `chq_timestamp`, else the first parsable timestamp column by name; a line
 * without one is a bad row (LakeRunner drops it at binning). Unparsable lines are bad rows, never fatal.
 */
import type { DecodedLog, DecodedValue } from './decoded.js';
import { LEVEL_NAMES, MESSAGE_NAMES, TIMESTAMP_NAMES } from './detect.js';
import type { DecoderInput, LogFormat } from './formats.js';
import { textLines } from './lines.js';
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
  const lines = textLines(input.chunks(), {
    onTooLong: (n) => input.badRow(`line of ${n} bytes is too long`),
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      input.badRow('not JSON');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      input.badRow('not a JSON object');
      continue;
    }
    const log = jsonRecordToLog(value as Record<string, unknown>);
    if (log === undefined) input.badRow('no timestamp');
    else yield log;
  }
}

/**
 * One JSON object as a decoded log, or `undefined` when it has no timestamp.
 *
 * @example
 * ```ts
 * jsonRecordToLog({ ts: 1767323045, msg: 'hi', level: 'INFO', user: 'ann' });
 * ```
 */
export function jsonRecordToLog(record: Record<string, unknown>): DecodedLog | undefined {
  const lower = new Map<string, string>();
  for (const name of Object.keys(record))
    if (!lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), name);
  const used = new Set<string>();
  const timestampNs = findTimestamp(record, lower, used);
  if (timestampNs === undefined) return undefined;
  const messageKey = lower.get('log_message') ?? firstWith(record, lower, MESSAGE_NAMES);
  const levelKey = lower.get('log_level') ?? firstWith(record, lower, LEVEL_NAMES);
  if (messageKey !== undefined) used.add(messageKey);
  if (levelKey !== undefined) used.add(levelKey);
  const columns: Record<string, DecodedValue> = {};
  const attributes: Record<string, DecodedValue> = {};
  for (const [name, value] of Object.entries(record)) {
    if (used.has(name)) continue;
    if (COOKED_PREFIX.test(name)) columns[name] = toValue(value);
    else attributes[name] = toValue(value);
  }
  const level = levelKey === undefined ? undefined : textOf(record[levelKey]);
  return {
    timestampNs,
    message: messageKey === undefined ? '' : (textOf(record[messageKey]) ?? ''),
    ...(level === undefined ? {} : { level }),
    resource: {},
    scope: {},
    attributes,
    columns,
  };
}

function findTimestamp(record: Record<string, unknown>, lower: Map<string, string>, used: Set<string>) {
  for (const name of ['chq_tsns', 'chq_timestamp', ...TIMESTAMP_NAMES]) {
    const key = lower.get(name);
    if (key === undefined) continue;
    const ns = parseTimestampNs(record[key]);
    if (ns !== undefined) {
      used.add(key);
      return ns;
    }
  }
  return undefined;
}

function firstWith(record: Record<string, unknown>, lower: Map<string, string>, names: readonly string[]) {
  for (const name of names) {
    const key = lower.get(name);
    if (key !== undefined && record[key] !== null && record[key] !== undefined) return key;
  }
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
