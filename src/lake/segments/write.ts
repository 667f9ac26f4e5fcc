/**
 * Writes cooked log rows as LakeRunner-shaped ZSTD Parquet with hyparquet-writer: the table file
 * (`tbl_*.parquet`, sorted) and the 10-second count file (`agg_*.parquet`).
 */
import { ByteWriter, type ColumnSource, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { CookedLog } from '../ingest/normalise.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { AGG_BUCKET_MS } from './agg-bucket.js';
import { sortLogRows, streamValue } from './sort.js';

/** Rows per row group: small enough that stream/fingerprint statistics prune, large enough to compress. */
export const ROW_GROUP_ROWS = 20_000;
export { AGG_BUCKET_MS };

const FIXED_STRINGS = ['chq_customer_id', 'chq_telemetry_type', 'log_level', 'log_message'] as const;

/** The names of a table file's columns, in file order: LakeRunner's fixed columns, then the rest sorted. */
export function tableColumnNames(rows: readonly CookedLog[]): string[] {
  const dynamic = new Set<string>();
  for (const row of rows) for (const name in row.fields) dynamic.add(name);
  return ['chq_timestamp', 'chq_tsns', 'chq_fingerprint', ...FIXED_STRINGS, ...[...dynamic].sort()];
}

/**
 * The table file: rows sorted by `[stream field, chq_fingerprint, chq_tsns]` (in place), ZSTD, statistics
 * on the columns queries filter on (not on `log_message` or `attr_*`, where they only cost bytes).
 *
 * @example
 * ```ts
 * const bytes = writeTableFile(rows, 'resource_service_name', await loadZstd());
 * ```
 */
export function writeTableFile(rows: CookedLog[], streamField: string, zstd: ZstdCodec): Uint8Array {
  sortLogRows(rows, streamField);
  const dynamic = tableColumnNames(rows).slice(3 + FIXED_STRINGS.length);
  const scratch = { buffer: new Uint8Array(0) };
  return write(rows.length, (start, end) => tableColumns(rows, start, end, dynamic, scratch), zstd, [
    { key: 'bucketkit.lake.stream_field', value: streamField },
  ]);
}

/** The columns of rows `start` to `end` (one row group). */
function tableColumns(
  rows: readonly CookedLog[],
  start: number,
  end: number,
  dynamic: readonly string[],
  scratch: { buffer: Uint8Array },
) {
  const part = rows.slice(start, end);
  const n = part.length;
  const ts = new Array<bigint>(n);
  const tsns = new Array<bigint>(n);
  const fingerprint = new Array<bigint | null>(n);
  for (let i = 0; i < n; i++) {
    const row = part[i]!;
    ts[i] = BigInt(row.chq_timestamp);
    tsns[i] = row.chq_tsns;
    fingerprint[i] = row.chq_fingerprint;
  }
  // times ascend within each (stream, fingerprint) run: deltas take 4–5 bytes where plain values take 8
  const columns: ColumnSource[] = [
    { name: 'chq_timestamp', data: ts, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' },
    { name: 'chq_tsns', data: tsns, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' },
    { name: 'chq_fingerprint', data: fingerprint, type: 'INT64' },
  ];
  for (const name of FIXED_STRINGS) {
    columns.push({
      name,
      data: name === 'log_message' ? utf8Views(part, scratch) : part.map((r) => r[name]),
      type: 'STRING',
      statistics: name !== 'log_message',
    });
  }
  for (const name of dynamic) {
    const data = part.map((r) => r.fields[name] ?? null);
    columns.push({ name, data, type: 'STRING', statistics: !name.startsWith('attr_') });
  }
  return columns;
}

/**
 * The agg file: counts per (10 s bucket, level, stream value), with LakeRunner's columns
 * `bucket_ts`, `log_level`, `<stream field>`, `frequency`, `count`, sorted by bucket.
 */
export function writeAggFile(rows: readonly CookedLog[], streamField: string, zstd: ZstdCodec): Uint8Array {
  // stream → level → bucket → count: no per-row key string to build
  const counts = new Map<string, Map<string | null, Map<number, number>>>();
  // rows arrive sorted by stream: the last row's stream and level maps are nearly always this row's
  let lastStream: string | undefined;
  let lastLevel: string | null | undefined;
  let levels: Map<string | null, Map<number, number>> | undefined;
  let buckets: Map<number, number> | undefined;
  for (const row of rows) {
    const bucket = row.chq_timestamp - (row.chq_timestamp % AGG_BUCKET_MS);
    const stream = streamValue(row, streamField);
    if (stream !== lastStream || levels === undefined) {
      levels = counts.get(stream);
      if (!levels) {
        levels = new Map();
        counts.set(stream, levels);
      }
      lastStream = stream;
      buckets = undefined;
    }
    if (row.log_level !== lastLevel || buckets === undefined) {
      buckets = levels.get(row.log_level);
      if (!buckets) {
        buckets = new Map();
        levels.set(row.log_level, buckets);
      }
      lastLevel = row.log_level;
    }
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const entries: { bucket: number; level: string | null; stream: string; count: number }[] = [];
  for (const [stream, levels] of counts) {
    for (const [level, buckets] of levels) {
      for (const [bucket, count] of buckets) entries.push({ bucket, level, stream, count });
    }
  }
  // a total order (bucket, level with null first, stream), so every engine writes the same file
  entries.sort((a, b) => a.bucket - b.bucket || order(a.level, b.level) || order(a.stream, b.stream));
  const columns: ColumnSource[] = [
    { name: 'bucket_ts', data: entries.map((e) => BigInt(e.bucket)), type: 'INT64', nullable: false },
    { name: 'log_level', data: entries.map((e) => e.level), type: 'STRING' },
    { name: streamField, data: entries.map((e) => e.stream), type: 'STRING' },
    { name: 'frequency', data: entries.map(() => BigInt(AGG_BUCKET_MS)), type: 'INT64', nullable: false },
    { name: 'count', data: entries.map((e) => BigInt(e.count)), type: 'INT64', nullable: false },
  ];
  const group = (start: number, end: number) =>
    columns.map((column) => ({ ...column, data: column.data.slice(start, end) }));
  return write(entries.length, group, zstd, []).slice(); // small: a copy of its own
}

const encoder = new TextEncoder();

/**
 * Every message as UTF-8 bytes, encoded into one buffer: the writer would otherwise encode each string into
 * an allocation of its own, which costs about three times as much for ~100-byte messages. The buffer is
 * the caller's scratch, reused by the next row group (the writer copies a row group's values into its
 * pages before it returns), so a segment allocates it about once.
 */
function utf8Views(rows: readonly CookedLog[], scratch: { buffer: Uint8Array }): Uint8Array[] {
  let most = 0;
  for (let i = 0; i < rows.length; i++) most += rows[i]!.log_message.length * 3;
  if (scratch.buffer.byteLength < most) scratch.buffer = new Uint8Array(Math.ceil(most * 1.25));
  const buffer = scratch.buffer;
  const out = new Array<Uint8Array>(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const { written } = encoder.encodeInto(rows[i]!.log_message, buffer.subarray(at));
    out[i] = buffer.subarray(at, at + written);
    at += written;
  }
  return out;
}

function order(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
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
