/**
 * bucketkit/delta — delta-compressed artifacts: the VCDIFF (RFC 3284) codec, xdelta3-compatible, and
 * `DeltaSpace`, DeltaGlider-compatible storage of file versions under one prefix.
 *
 * @example
 * ```ts
 * import { encodeDelta, decodeDelta } from 'bucketkit/delta';
 * const delta = encodeDelta(reference, version2);
 * const back = decodeDelta(reference, delta); // === version2, byte for byte
 * ```
 */

export { type DgField, readField } from './metadata.js';
export { DEFAULT_MAX_RATIO, isDeltaCandidate } from './policy.js';
export {
  type DeltaFileInfo,
  type DeltaPutResult,
  DeltaSpace,
  type DeltaSpaceOptions,
  REFERENCE_NAME,
  type StoredAs,
} from './space.js';
export * from './vcdiff/index.js';
