/** What S3 counts against its user-metadata limit, and the edge the behaviours keep under. */
import { utf8Length } from './base.js';

/**
 * The metadata budget the behaviours keep to: one byte under S3's 2 KiB (as s3db does), which the
 * storage ports' own check (`METADATA_LIMIT_BYTES`, 2048) therefore always accepts.
 */
export const METADATA_LIMIT = 2047;

/**
 * Bytes S3 counts for user metadata: the UTF-8 bytes of every key and value, without `x-amz-meta-`.
 * Call it on the final, encoded metadata.
 *
 * @example
 * ```ts
 * metadataBytes({ 'v-': 'v1', '0': 'Ada' }); // 2 + 2 + 1 + 3 = 8
 * ```
 */
export function metadataBytes(metadata: Record<string, string>): number {
  let total = 0;
  for (const [key, value] of Object.entries(metadata)) total += utf8Length(key) + utf8Length(value);
  return total;
}
