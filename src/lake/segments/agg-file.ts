/**
 * Decoding an agg file (`agg_*.parquet`: `bucket_ts`, `log_level`, the stream field, `count`) into
 * dictionary-coded columns, for counts and for the day counts object.
 */
import { parquetReadObjects } from 'hyparquet/src/index.js';
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
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      columns: ['bucket_ts', 'log_level', streamField, 'count'],
      compressors: { ZSTD: (input: Uint8Array, length: number) => zstd.decompress(input, length) },
    });
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    throw bkError('Corrupt', `agg file ${key} cannot be read as Parquet; re-ingest its sources`, {
      cause: err,
      details: { key },
    });
  }
  const n = rows.length;
  const out: AggFileRows = {
    bucket: new Float64Array(n),
    count: new Float64Array(n),
    levelCode: new Uint32Array(n),
    levels: [],
    streamCode: new Uint32Array(n),
    streams: [],
    streamField,
  };
  const levelIds = new Map<string | null, number>();
  const streamIds = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    out.bucket[i] = Number(row.bucket_ts);
    out.count[i] = Number(row.count);
    const level = (row.log_level as string | null | undefined) ?? null;
    let code = levelIds.get(level);
    if (code === undefined) {
      code = out.levels.push(level) - 1;
      levelIds.set(level, code);
    }
    out.levelCode[i] = code;
    const stream = String(row[streamField] ?? '');
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
