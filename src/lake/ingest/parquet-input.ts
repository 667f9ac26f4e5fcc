/**
 * Raw Parquet log files (`.parquet`) with LakeRunner's detection by column name: the timestamp from a
 * nanosecond, microsecond or millisecond/generic column, the message and the level from their usual names;
 * columns starting `_` are dropped, `resource_*` and `chq_*` kept, every other column becomes
 * `resource_<name>` (structs flattened with `_`, lists as JSON text). Read through hyparquet one row group at
 * a time with ranged reads, so memory holds one row group.
 */
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import { normaliseName } from '../names.js';
import { EXACT_TEXT_PARSERS, exactText } from '../parquet/exact-text.js';
import { snappyBlock } from '../parquet/snappy.js';
import { loadZstd } from '../parquet/zstd.js';
import type { DecodedLog, DecodedValue } from './decoded.js';
import { LEVEL_NAMES, MESSAGE_NAMES } from './detect.js';
import type { DecoderInput, LogFormat } from './formats.js';
import { parseTimestampNs } from './timestamp.js';

/** Timestamp columns by unit, in priority order (nanoseconds first). */
const NS_NAMES = [
  'chq_tsns',
  'timestamp_ns',
  'timestamp_nanos',
  'tsns',
  'time_ns',
  'ts_ns',
  'time_unix_nano',
];
const US_NAMES = ['timestamp_us', 'timestamp_micros', 'time_us', 'ts_us'];
const MS_NAMES = ['chq_timestamp', 'timestamp_ms', 'time_ms', 'ts_ms'];
const GENERIC_NAMES = ['timestamp', '@timestamp', 'time', 'ts', 'datetime', 'event_time', 'log.timestamp'];
const MAX_FLATTEN_DEPTH = 8;

/** The Parquet format entry for the dispatcher (never gzipped: Parquet compresses its own pages). */
export const parquetLogFormat: LogFormat = {
  name: 'parquet',
  suffixes: ['.parquet'],
  gzip: false,
  decode: decodeParquetLogs,
};

/** Which column plays which part, found once from the file's schema. */
export interface ParquetLogColumns {
  readonly timestamp?: { readonly name: string; readonly unit: 'ns' | 'us' | 'ms' | 'auto' };
  readonly message?: string;
  readonly level?: string;
}

/**
 * LakeRunner's choice of timestamp, message and level columns among `names` (compared lowercased).
 *
 * @example
 * ```ts
 * detectParquetLogColumns(['ts_ns', 'msg', 'severity']);
 * // { timestamp: { name: 'ts_ns', unit: 'ns' }, message: 'msg', level: 'severity' }
 * ```
 */
export function detectParquetLogColumns(names: readonly string[]): ParquetLogColumns {
  const lower = new Map<string, string>();
  for (const name of names) if (!lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), name);
  const find = (list: readonly string[]) => list.map((n) => lower.get(n)).find((n) => n !== undefined);
  const units = [
    [NS_NAMES, 'ns'],
    [US_NAMES, 'us'],
    [MS_NAMES, 'ms'],
    [GENERIC_NAMES, 'auto'],
  ] as const;
  let timestamp: ParquetLogColumns['timestamp'];
  for (const [list, unit] of units) {
    const name = find(list);
    if (name !== undefined) {
      timestamp = { name, unit };
      break;
    }
  }
  const message = find(MESSAGE_NAMES);
  const level = find(LEVEL_NAMES);
  return {
    ...(timestamp ? { timestamp } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(level !== undefined ? { level } : {}),
  };
}

async function* decodeParquetLogs(input: DecoderInput): AsyncGenerator<DecodedLog> {
  const file: AsyncBuffer = {
    byteLength: input.size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? input.size, input.size);
      if (stop <= start) return new ArrayBuffer(0);
      const bytes = await input.readRange(start, stop);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  const zstd = await loadZstd();
  // SNAPPY through the lake's bounded decoder: hyparquet's own loops forever on some hostile pages
  const compressors = {
    ZSTD: (bytes: Uint8Array, outputLength: number) => zstd.decompress(bytes, outputLength),
    SNAPPY: (bytes: Uint8Array, outputLength: number) =>
      snappyBlock(bytes, `${input.key} (a SNAPPY page)`, outputLength),
  };
  const metadata = await parquet(input.key, () => parquetMetadataAsync(file));
  const names = metadata.schema.slice(1).flatMap((element, i, all) => {
    // top-level columns only: the children of the root, in order
    return isTopLevel(all, i) ? [element.name] : [];
  });
  const roles = detectParquetLogColumns(names);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    throwIfAborted(input.signal);
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquet(input.key, () =>
      parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors, parsers: EXACT_TEXT_PARSERS }),
    );
    for (const row of rows) yield rowToLog(row, roles);
    rowStart = rowEnd;
  }
}

/** Whether schema element `i` (of the root's descendants) is a direct child of the root. */
function isTopLevel(elements: readonly { num_children?: number }[], index: number): boolean {
  let i = 0;
  while (i < elements.length) {
    if (i === index) return true;
    i = afterSubtree(elements, i);
    if (i > index) return false;
  }
  return false;
}

function afterSubtree(elements: readonly { num_children?: number }[], start: number): number {
  let next = start + 1;
  for (let child = 0; child < (elements[start]!.num_children ?? 0); child++)
    next = afterSubtree(elements, next);
  return next;
}

/** Runs a hyparquet call, turning its errors into `Corrupt` (or `Unsupported` for an unknown codec). */
async function parquet<T>(key: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    const text = err instanceof Error ? err.message : String(err);
    if (/unsupported compression codec/i.test(text)) {
      throw bkError(
        'Unsupported',
        `${key} uses a Parquet compression the lake cannot read (${text}); use ZSTD, SNAPPY or none`,
        {
          cause: err,
          details: { key },
        },
      );
    }
    throw bkError(
      'Corrupt',
      `${key} cannot be read as Parquet (${text}); the file is damaged or not Parquet`,
      {
        cause: err,
        details: { key },
      },
    );
  }
}

function rowToLog(row: Record<string, unknown>, roles: ParquetLogColumns): DecodedLog {
  const columns: Record<string, DecodedValue> = Object.create(null);
  for (const name in row) {
    if (
      name.startsWith('_') ||
      name === roles.timestamp?.name ||
      name === roles.message ||
      name === roles.level
    ) {
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === 'chq_timestamp' || lower === 'chq_tsns') continue;
    const cooked =
      lower.startsWith('resource_') || lower.startsWith('chq_')
        ? normaliseName(name)
        : `resource_${normaliseName(name)}`;
    addColumn(columns, cooked, row[name], 0);
  }
  const message = roles.message === undefined ? '' : row[roles.message];
  const level = roles.level === undefined ? undefined : row[roles.level];
  const timestampNs = roles.timestamp
    ? timestampOf(row[roles.timestamp.name], roles.timestamp.unit)
    : undefined;
  return {
    timestampNs,
    message: message == null ? '' : textOf(message),
    level: level == null || level === '' ? undefined : textOf(level),
    resource: EMPTY,
    scope: EMPTY,
    attributes: EMPTY,
    columns,
  };
}

const EMPTY: Readonly<Record<string, DecodedValue>> = Object.freeze(Object.create(null));

function timestampOf(value: unknown, unit: 'ns' | 'us' | 'ms' | 'auto'): bigint | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) && ms > 0 ? BigInt(ms) * 1_000_000n : undefined;
  }
  if (unit === 'auto' || (typeof value !== 'bigint' && typeof value !== 'number'))
    return parseTimestampNs(value);
  const n =
    typeof value === 'bigint' ? value : Number.isFinite(value) ? BigInt(Math.trunc(value)) : undefined;
  if (n === undefined || n <= 0n) return undefined;
  return unit === 'ns' ? n : unit === 'us' ? n * 1000n : n * 1_000_000n;
}

/** Struct values are flattened into `<name>_<field>` columns; other values are stored as they are or as text. */
function addColumn(columns: Record<string, DecodedValue>, name: string, value: unknown, depth: number): void {
  if (isPlainObject(value) && depth < MAX_FLATTEN_DEPTH) {
    for (const key in value) addColumn(columns, `${name}_${normaliseName(key)}`, value[key], depth + 1);
    return;
  }
  columns[name] = decodedValueOf(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function decodedValueOf(value: unknown): DecodedValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return value;
  }
  return textOf(value);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return exactText(value);
  if (typeof value === 'object' && value !== null) {
    return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
  }
  return String(value);
}
