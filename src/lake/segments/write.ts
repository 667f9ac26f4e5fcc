/**
 * Writes cooked log rows as LakeRunner-shaped ZSTD Parquet with hyparquet-writer: the table file
 * (`tbl_*.parquet`, sorted) and the 10-second count file (`agg_*.parquet`).
 */
import { ByteWriter, type ColumnSource, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { CookedLog } from '../ingest/normalise.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { AGG_BUCKET_MS } from './agg-bucket.js';
import { LogBuffer } from './log-buffer.js';

/** Rows per row group: small enough that stream/fingerprint statistics prune, large enough to compress. */
export const ROW_GROUP_ROWS = 20_000;
export { AGG_BUCKET_MS };

const FIXED_STRINGS = ['chq_customer_id', 'chq_telemetry_type', 'log_level', 'log_message'] as const;

/** The names of a table file's columns, in file order: LakeRunner's fixed columns, then the rest sorted. */
export function tableColumnNames(rows: readonly CookedLog[] | LogBuffer): string[] {
  let dynamic: string[];
  if (rows instanceof LogBuffer) dynamic = rows.fieldNames();
  else {
    const names = new Set<string>();
    for (const row of rows) for (const name in row.fields) names.add(name);
    dynamic = [...names];
  }
  return ['chq_timestamp', 'chq_tsns', 'chq_fingerprint', ...FIXED_STRINGS, ...dynamic.sort()];
}

/**
 * The table file: rows sorted by `[stream field, chq_fingerprint, chq_tsns]`, ZSTD, statistics on the
 * columns queries filter on (not on `log_message` or `attr_*`, where they only cost bytes).
 *
 * @example
 * ```ts
 * const bytes = writeTableFile(rows, 'resource_service_name', await loadZstd());
 * ```
 */
export function writeTableFile(
  rows: readonly CookedLog[] | LogBuffer,
  streamField: string,
  zstd: ZstdCodec,
): Uint8Array {
  const buffer = rows instanceof LogBuffer ? rows : LogBuffer.of(rows);
  const order = buffer.sortOrder(streamField);
  const dynamic = tableColumnNames(buffer).slice(3 + FIXED_STRINGS.length);
  return write(
    buffer.length,
    (start, end) => tableColumns(buffer, order.subarray(start, end), dynamic),
    zstd,
    [{ key: 'bucketkit.lake.stream_field', value: streamField }],
  );
}

/** The columns of the rows `part` names, in its order (one row group). */
function tableColumns(buffer: LogBuffer, part: Uint32Array, dynamic: readonly string[]) {
  const n = part.length;
  // int64 columns as typed arrays, filled through 32-bit views: no BigInt allocated per value
  const ts = new BigInt64Array(n);
  const tsns = new BigInt64Array(n);
  const ts32 = new Int32Array(ts.buffer);
  const tsns32 = new Int32Array(tsns.buffer);
  const from32 = buffer.tsnsWords;
  let nulls = false;
  const customers = new Array<string | null>(n);
  const levels = new Array<string | null>(n);
  // UTF-8 views of the buffer's arena: the writer copies them into its pages, encoding nothing
  const messages = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const row = part[i]!;
    const ms = buffer.ms[row]!;
    const high = Math.floor(ms / 2 ** 32);
    ts32[2 * i] = (ms - high * 2 ** 32) | 0;
    ts32[2 * i + 1] = high;
    tsns32[2 * i] = from32[2 * row]!;
    tsns32[2 * i + 1] = from32[2 * row + 1]!;
    if (!buffer.hasFingerprint[row]) nulls = true;
    customers[i] = buffer.customers.get(row);
    levels[i] = buffer.levels.get(row);
    messages[i] = buffer.messages.view(row);
  }
  const fingerprint = nulls ? new Array<bigint | null>(n) : new BigInt64Array(n);
  if (nulls) {
    for (let i = 0; i < n; i++) {
      const row = part[i]!;
      fingerprint[i] = buffer.hasFingerprint[row] ? buffer.fingerprints[row]! : null;
    }
  } else {
    const to32 = new Int32Array((fingerprint as BigInt64Array).buffer);
    const fp32 = buffer.fingerprintWords;
    for (let i = 0; i < n; i++) {
      to32[2 * i] = fp32[2 * part[i]!]!;
      to32[2 * i + 1] = fp32[2 * part[i]! + 1]!;
    }
  }
  // times ascend within each (stream, fingerprint) run: deltas take 4–5 bytes where plain values take 8
  const columns: ColumnSource[] = [
    { name: 'chq_timestamp', data: ts, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' },
    { name: 'chq_tsns', data: tsns, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' },
    { name: 'chq_fingerprint', data: fingerprint, type: 'INT64' },
    { name: 'chq_customer_id', data: customers, type: 'STRING' },
    { name: 'chq_telemetry_type', data: new Array<string>(n).fill('logs'), type: 'STRING' },
    { name: 'log_level', data: levels, type: 'STRING' },
    { name: 'log_message', data: messages, type: 'STRING', statistics: false },
  ];
  for (const name of dynamic) {
    const column = buffer.fields.get(name)!;
    const data = new Array<string | null>(n);
    for (let i = 0; i < n; i++) data[i] = column.get(part[i]!);
    columns.push({ name, data, type: 'STRING', statistics: !name.startsWith('attr_') });
  }
  return columns;
}

/**
 * The agg file: counts per (10 s bucket, level, stream value), with LakeRunner's columns
 * `bucket_ts`, `log_level`, `<stream field>`, `frequency`, `count`, sorted by bucket.
 */
export function writeAggFile(
  rows: readonly CookedLog[] | LogBuffer,
  streamField: string,
  zstd: ZstdCodec,
): Uint8Array {
  const buffer = rows instanceof LogBuffer ? rows : LogBuffer.of(rows);
  const n = buffer.length;
  const streams = buffer.streams(streamField);
  const levels = buffer.levels.distinct(n, null);
  // one number per row, (10 s bucket, level, stream): both value lists are sorted (null level first), so
  // the numbers sort as LakeRunner's (bucket, level, stream) order; a segment spans hours, so they are exact
  const bucketOf = (ms: number) => (ms - (ms % AGG_BUCKET_MS)) / AGG_BUCKET_MS;
  let first = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) first = Math.min(first, bucketOf(buffer.ms[i]!));
  const streamCount = streams.values.length;
  const kinds = streamCount * levels.values.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = (bucketOf(buffer.ms[i]!) - first) * kinds + levels.ids[i]! * streamCount + streams.ids[i]!;
  }
  keys.sort();
  const buckets: bigint[] = [];
  const levelColumn: (string | null)[] = [];
  const streamColumn: string[] = [];
  const counts: bigint[] = [];
  for (let start = 0; start < n; ) {
    const key = keys[start]!;
    let end = start + 1;
    while (end < n && keys[end] === key) end++;
    const kind = key % kinds;
    buckets.push(BigInt((first + (key - kind) / kinds) * AGG_BUCKET_MS));
    levelColumn.push(levels.values[Math.floor(kind / streamCount)]!);
    streamColumn.push(streams.values[kind % streamCount]!);
    counts.push(BigInt(end - start));
    start = end;
  }
  const columns: ColumnSource[] = [
    { name: 'bucket_ts', data: buckets, type: 'INT64', nullable: false },
    { name: 'log_level', data: levelColumn, type: 'STRING' },
    { name: streamField, data: streamColumn, type: 'STRING' },
    { name: 'frequency', data: counts.map(() => BigInt(AGG_BUCKET_MS)), type: 'INT64', nullable: false },
    { name: 'count', data: counts, type: 'INT64', nullable: false },
  ];
  const group = (start: number, end: number) =>
    columns.map((column) => ({ ...column, data: column.data.slice(start, end) }));
  return write(counts.length, group, zstd, []).slice(); // small: a copy of its own
}

/**
 * A Parquet file written one row group at a time: `columnsOf(start, end)` builds only that group's
 * columns, so the writer's copies (slices, levels, dictionaries, pages) stay one row group in size
 * instead of a whole segment's, which keeps an ingest's peak memory down.
 */
function write(
  rowCount: number,
  columnsOf: (start: number, end: number) => ColumnSource[],
  zstd: ZstdCodec,
  kvMetadata: { key: string; value: string }[],
) {
  const writer = new ByteWriter(Math.min(1 << 22, 1024 + rowCount * 48));
  let start = 0;
  let columnData = columnsOf(0, Math.min(rowCount, ROW_GROUP_ROWS));
  const parquet = new ParquetWriter({
    writer,
    schema: schemaFromColumnData({ columnData }),
    codec: 'ZSTD',
    compressors: { ZSTD: (input: Uint8Array) => zstd.compress(input) },
    statisticsTruncateLength: 256,
    kvMetadata,
    createdBy: 'bucketkit lake',
  });
  while (start < rowCount) {
    const end = Math.min(rowCount, start + ROW_GROUP_ROWS);
    if (start > 0) columnData = columnsOf(start, end);
    void parquet.write({ columnData, rowGroupSize: end - start });
    start = end;
  }
  parquet.finish();
  return writer.getBytes(); // a view: callers copy it once, with the message index spliced in
}
