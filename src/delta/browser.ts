/**
 * `bucketkit/delta/browser`: the delta module without Node-only code: the VCDIFF codec, `DeltaSpace`,
 * `delta(port)` and the memory reference cache. Not here: the disk cache and `syncDirectory` (files).
 * Deltas that xdelta3 made over gunzipped input need Node's zlib to rebuild their exact gzip bytes, so
 * in a browser reading those is `Unsupported`; every other delta decodes.
 *
 * @example
 * ```ts
 * import { delta } from 'bucketkit/delta/browser';
 * import { httpStorage } from 'bucketkit/storage/browser';
 * const releases = delta(httpStorage({ url: 'https://artifacts.example.com/releases' }));
 * const zip = await (await releases.get('app/v2.zip')).bytes(); // rebuilt from the reference + delta
 * ```
 */
export { type MemoryReferenceCacheOptions, memoryReferenceCache, type ReferenceCache } from './cache.js';
export { type DgField, readField } from './metadata.js';
export {
  COMPRESSED_TYPES,
  DEFAULT_ARCHIVE_TYPES,
  DEFAULT_MAX_RATIO,
  DeltaPolicy,
  type DeltaPolicyOptions,
  isDeltaCandidate,
} from './policy.js';
export {
  type DeltaFileInfo,
  type DeltaListEntry,
  type DeltaPutOptions,
  type DeltaPutResult,
  DeltaSpace,
  type DeltaSpaceOptions,
  type DeltaStats,
  type DeltaVerifyResult,
  REFERENCE_NAME,
  type StoredAs,
} from './space.js';
export { type DeltaStorageOptions, delta } from './storage.js';
export { type DeltaTreeEntry, deltaTreeStats, listDeltaTree } from './tree.js';
export * from './vcdiff/index.js';
