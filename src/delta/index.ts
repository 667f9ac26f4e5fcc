/**
 * bucketkit/delta — delta-compressed artifacts: the VCDIFF (RFC 3284) codec, xdelta3-compatible,
 * `DeltaSpace`, DeltaGlider-compatible storage of file versions under one prefix, and `delta(port)`,
 * the same as a StoragePort wrapper.
 *
 * @example
 * ```ts
 * import { encodeDelta, decodeDelta } from 'bucketkit/delta';
 * const delta = encodeDelta(reference, version2);
 * const back = decodeDelta(reference, delta); // === version2, byte for byte
 * ```
 */

export { type MemoryReferenceCacheOptions, memoryReferenceCache, type ReferenceCache } from './cache.js';
export { type DiskReferenceCacheOptions, diskReferenceCache } from './cache-disk.js';
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
export { type SyncOptions, type SyncResult, syncDirectory } from './sync.js';
export * from './vcdiff/index.js';
