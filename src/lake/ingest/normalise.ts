/**
 * The log normaliser: turns a `DecodedLog` from any decoder into a cooked row with LakeRunner's log
 * columns, so every input format is cooked by the same rules (names, prefixes, per-file columns,
 * timestamp priority, fingerprint).
 */
import { normaliseName } from '../names.js';
import type { DecodedLog, DecodedValue } from './decoded.js';
import { nsToMs, parseTimestampNs } from './timestamp.js';

/** One cooked log row: LakeRunner's fixed columns, and every other column as a string. */
export interface CookedLog {
  /** Milliseconds since the epoch (UTC). */
  readonly chq_timestamp: number;
  /** The original time in nanoseconds. */
  readonly chq_tsns: bigint;
  /** The message pattern id, or null when no fingerprinter is configured. */
  readonly chq_fingerprint: bigint | null;
  readonly chq_telemetry_type: 'logs';
  /** The organisation (LakeRunner's customer id). */
  readonly chq_customer_id: string;
  readonly log_message: string;
  readonly log_level: string | null;
  /** `resource_*`, `scope_*`, `attr_*` and `log_*` columns, values stringified. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The raw object a row came from; it fills the per-file `resource_*` columns. */
export interface RawFile {
  /** The bucket (or port) name written to `resource_bucket_name`. */
  readonly bucket: string;
  readonly key: string;
  readonly org: string;
}

export interface CookOptions {
  /** The message fingerprinter (`chq_fingerprint`); without one the column is null. */
  readonly fingerprint?: (message: string) => bigint;
  /** The time used when a row has none (LakeRunner's "now"); default `Date.now()`. */
  readonly nowMs?: number;
}

/** The columns derived from the raw object's key, the same for every row of one file. */
export function fileColumns(file: RawFile): Record<string, string> {
  const base = file.key.slice(file.key.lastIndexOf('/') + 1);
  const columns: Record<string, string> = {
    resource_bucket_name: file.bucket,
    resource_file_name: `./${file.key}`,
    resource_file_type: (base.split('.')[0] ?? '').replace(/[^A-Za-z]/g, ''),
  };
  const support = /(?:^|\/)Support\/([^/]+)/.exec(file.key);
  columns.resource_file = support?.[1] ?? 'unknown';
  const domain = support ? /^((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[^a-z.]|$)/i.exec(support[1]!) : null;
  if (domain) columns.resource_customer_domain = domain[1]!.toLowerCase();
  return columns;
}

/** A decoded value as LakeRunner stores attribute values: always a string. */
export function stringifyValue(value: DecodedValue): string | undefined {
  if (value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

const NO_COLUMNS: Readonly<Record<string, DecodedValue>> = Object.freeze({});

const FIXED = new Set([
  'chq_timestamp',
  'chq_tsns',
  'chq_fingerprint',
  'chq_telemetry_type',
  'chq_customer_id',
]);

/**
 * Cooks one decoded log. `perFile` is `fileColumns(file)`, computed once per file by the caller.
 *
 * @example
 * ```ts
 * const file = { bucket: 'raw', key: 'logs-raw/app.json.gz', org: 'acme' };
 * const row = cookLog(decoded, file, fileColumns(file), { fingerprint });
 * row.fields.resource_service_name; // from resource attribute `service.name`
 * ```
 */
export function cookLog(
  log: DecodedLog,
  file: RawFile,
  perFile: Readonly<Record<string, string>>,
  options: CookOptions = {},
): CookedLog {
  const fields: Record<string, string> = {};
  addPrefixed(fields, 'resource_', log.resource);
  addPrefixed(fields, 'scope_', log.scope);
  addPrefixed(fields, 'attr_', log.attributes);
  const columns = log.columns ?? NO_COLUMNS;
  for (const name in columns) {
    const column = normaliseName(name);
    const text = stringifyValue(columns[name]!);
    if (text !== undefined && !FIXED.has(column) && column !== 'log_message' && column !== 'log_level') {
      fields[column] = column.startsWith('resource_') ? shared(text) : text;
    }
  }
  for (const name in perFile) fields[name] = perFile[name]!;
  const tsns = timestampOf(log, columns, options.nowMs);
  const message = log.message;
  const level = log.level ?? stringifyValue(columns.log_level ?? null) ?? null;
  return {
    chq_timestamp: nsToMs(tsns),
    chq_tsns: tsns,
    chq_fingerprint: options.fingerprint ? options.fingerprint(message) : null,
    chq_telemetry_type: 'logs',
    chq_customer_id: file.org,
    log_message: message,
    log_level: level === '' || level === null ? null : shared(level),
    fields,
  };
}

/** Distinct strings remembered by `shared` at most (a file with odd values only loses the sharing). */
const MAX_SHARED = 4096;
const sharedStrings = new Map<string, string>();

/**
 * One copy of a value many rows repeat (a level, a service or pod name): the decoders make a new string per
 * row, and an ingest holds a segment's rows in memory, so sharing shrinks each buffered row by ~100 bytes.
 */
function shared(text: string): string {
  if (text.length > 64) return text;
  const known = sharedStrings.get(text);
  if (known !== undefined) return known;
  if (sharedStrings.size >= MAX_SHARED) sharedStrings.clear();
  sharedStrings.set(text, text);
  return text;
}

function addPrefixed(
  into: Record<string, string>,
  prefix: string,
  values: Readonly<Record<string, DecodedValue>>,
) {
  for (const name in values) {
    const text = stringifyValue(values[name]!);
    if (text !== undefined) into[prefixedName(prefix, name)] = prefix === 'attr_' ? text : shared(text);
  }
}

const prefixedNames = new Map<string, Map<string, string>>();

/** `prefix + normaliseName(name)`, remembered: every row of a file repeats the same few names. */
function prefixedName(prefix: string, name: string): string {
  let names = prefixedNames.get(prefix);
  if (names === undefined) {
    names = new Map();
    prefixedNames.set(prefix, names);
  }
  let out = names.get(name);
  if (out === undefined) {
    out = prefix + normaliseName(name);
    if (names.size >= MAX_SHARED) names.clear();
    names.set(name, out);
  }
  return out;
}

/** Record time, else a cooked `chq_tsns`/`chq_timestamp` column, else now (LakeRunner's priority). */
function timestampOf(
  log: DecodedLog,
  columns: Readonly<Record<string, DecodedValue>>,
  nowMs: number | undefined,
): bigint {
  if (log.timestampNs !== undefined && log.timestampNs > 0n) return log.timestampNs;
  const fromColumns = parseTimestampNs(columns.chq_tsns) ?? parseTimestampNs(columns.chq_timestamp);
  if (fromColumns !== undefined) return fromColumns;
  return BigInt(nowMs ?? Date.now()) * 1_000_000n;
}
