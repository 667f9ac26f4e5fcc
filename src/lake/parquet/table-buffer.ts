/** The Parquet settings every lake table shares: ZSTD pages, truncated statistics, our writer name. */
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer';
import type { ZstdCodec } from './zstd.js';

/**
 * Writes `columns` as one ZSTD Parquet file in memory, `rowGroupSize` rows per row group.
 *
 * @example
 * ```ts
 * const bytes = zstdParquetBuffer([{ name: 'n', data: [1, 2], type: 'INT64' }], zstd, 10_000);
 * ```
 */
export function zstdParquetBuffer(
  columns: ColumnSource[],
  zstd: ZstdCodec,
  rowGroupSize: number,
): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns,
    codec: 'ZSTD',
    compressors: { ZSTD: (input: Uint8Array) => zstd.compress(input) },
    rowGroupSize,
    statisticsTruncateLength: 256,
    createdBy: 'bucketkit lake',
  });
  return new Uint8Array(buffer);
}
