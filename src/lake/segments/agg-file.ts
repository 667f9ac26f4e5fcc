/**
 * Decoding an agg file (`agg_*.parquet`: `bucket_ts`, `log_level`, the stream field, `count`) into
 * dictionary-coded columns, for counts and for the day counts object.
 */
import { parquetMetadata, parquetRead } from 'hyparquet/src/index.js';
import { BucketkitError, bkError } from '../../errors.js';
import type { AggFileRows } from '../catalog/counts-part.js';
import type { ZstdCodec } from '../parquet/zstd.js';

/**
 * The rows of an agg file's bytes, in file order (sorted by bucket); `Corrupt` when they are not one.
 *
 * @example
 * ```ts
 * const rows = await decodeAggFile(bytes, segment.agg, segment.streamField, zstd);
 * ```
 */
export async function decodeAggFile(
  bytes: Uint8Array,
  key: string,
  streamField: string,
  zstd: ZstdCodec,
): Promise<AggFileRows> {
  // read as columns, not row objects: a refresh decodes a day's agg files (tens of thousands of rows each)
  const columns = new Map<string, unknown[]>();
  let n = 0;
  try {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(file);
    n = Number(metadata.num_rows);
    await parquetRead({
      file,
      metadata,
      columns: ['bucket_ts', 'log_level', streamField, 'count'],
      compressors: { ZSTD: (input: Uint8Array, length: number) => zstd.decompress(input, length) },
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        let column = columns.get(columnName);
        if (column === undefined) {
          column = new Array<unknown>(n);
          columns.set(columnName, column);
        }
        for (let i = rowStart; i < Math.min(rowEnd, n); i++) column[i] = columnData[i - rowStart];
      },
    });
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    throw unreadable(key, err);
  }
  const out: AggFileRows = {
    bucket: new Float64Array(n),
    count: new Float64Array(n),
    levelCode: new Uint32Array(n),
    levels: [],
    streamCode: new Uint32Array(n),
    streams: [],
    streamField,
  };
  const none: unknown[] = [];
  const buckets = columns.get('bucket_ts') ?? none;
  const counts = columns.get('count') ?? none;
  const levels = columns.get('log_level') ?? none;
  const streams = columns.get(streamField) ?? none;
  const levelIds = new Map<string | null, number>();
  const streamIds = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    out.bucket[i] = Number(buckets[i]);
    out.count[i] = Number(counts[i]);
    const level = (levels[i] as string | null | undefined) ?? null;
    let code = levelIds.get(level);
    if (code === undefined) {
      code = out.levels.push(level) - 1;
      levelIds.set(level, code);
    }
    out.levelCode[i] = code;
    const stream = String(streams[i] ?? '');
    code = streamIds.get(stream);
    if (code === undefined) {
      code = out.streams.push(stream) - 1;
      streamIds.set(stream, code);
    }
    out.streamCode[i] = code;
  }
  for (let i = 1; i < n; i++) {
    if (out.bucket[i]! < out.bucket[i - 1]!)
      throw bkError('Corrupt', `agg file ${key} is not sorted by bucket_ts`);
  }
  return out;
}

/**
 * The number of rows of an agg file's bytes, from its footer alone; `Corrupt` when it has none.
 *
 * @example
 * ```ts
 * const capacity = files.reduce((n, f) => n + aggFileRowCount(f.bytes, f.key), 0);
 * ```
 */
export function aggFileRowCount(bytes: Uint8Array, key: string): number {
  try {
    return Number(parquetMetadata(bytes).num_rows);
  } catch (err) {
    throw unreadable(key, err);
  }
}

function unreadable(key: string, cause: unknown) {
  return bkError('Corrupt', `agg file ${key} cannot be read as Parquet; re-ingest its sources`, {
    cause,
    details: { key },
  });
}
