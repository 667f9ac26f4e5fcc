/** Listing a DeltaSpace by original names, and its stored-versus-original totals. */
import { BucketkitError } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import { describe } from './space-read.js';
import type { DeltaListEntry, DeltaStats } from './space-types.js';

/**
 * The files under `prefix` (a DeltaSpace's, no trailing `/`) with their original names and sizes, one
 * HEAD per delta for its original size; `reference.bin` is not listed.
 *
 * @example
 * ```ts
 * for await (const file of listSpace(port, 'releases')) console.log(file.name, file.size);
 * ```
 */
export async function* listSpace(
  port: StoragePort,
  spacePrefix: string,
  options: Abortable & { pageSize?: number } = {},
): AsyncGenerator<DeltaListEntry> {
  const prefix = spacePrefix === '' ? '' : `${spacePrefix}/`;
  for await (const entry of port.list({ ...options, prefix, delimiter: '/' })) {
    if (entry.type !== 'object') continue;
    const base = entry.key.slice(prefix.length);
    if (base === REFERENCE_NAME) continue;
    if (base.endsWith(DELTA_SUFFIX)) {
      const info = await port.head(entry.key, options);
      const {
        metadata: _,
        contentType: __,
        ...listed
      } = describe(base.slice(0, -DELTA_SUFFIX.length), 'delta', { ...info, size: entry.size });
      yield listed;
    } else {
      const { key, size, etag, lastModified } = entry;
      yield { name: base, key, storedAs: 'direct', size, storedSize: size, etag, lastModified };
    }
  }
}

/**
 * Totals over `files` (a DeltaSpace's listing) plus its reference at `refKey` (one HEAD).
 *
 * @example
 * ```ts
 * const { ratio } = await spaceStats(listSpace(port, 'releases'), port, 'releases/reference.bin');
 * ```
 */
export async function spaceStats(
  files: AsyncIterable<DeltaListEntry>,
  port: StoragePort,
  refKey: string,
  options: Abortable = {},
): Promise<DeltaStats> {
  const stats = { files: 0, deltas: 0, directs: 0, originalBytes: 0, storedBytes: 0, referenceBytes: 0 };
  for await (const file of files) {
    stats.files++;
    if (file.storedAs === 'delta') stats.deltas++;
    else stats.directs++;
    stats.originalBytes += Number.isNaN(file.size) ? 0 : file.size;
    stats.storedBytes += file.storedSize;
  }
  try {
    stats.referenceBytes = (await port.head(refKey, options)).size;
  } catch (err) {
    if (!BucketkitError.is(err, 'NotFound')) throw err;
  }
  stats.storedBytes += stats.referenceBytes;
  const ratio = stats.originalBytes === 0 ? 1 : stats.storedBytes / stats.originalBytes;
  return { ...stats, ratio, savedBytes: Math.max(0, stats.originalBytes - stats.storedBytes) };
}
