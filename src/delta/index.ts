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

// the browser entry's surface, and the parts that need files
export * from './browser.js';
export { type DiskReferenceCacheOptions, diskReferenceCache } from './cache-disk.js';
export { type SyncOptions, type SyncResult, syncDirectory } from './sync.js';
