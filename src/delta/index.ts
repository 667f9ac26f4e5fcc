/**
 * bucketkit/delta — delta-compressed artifacts. So far: the VCDIFF (RFC 3284) codec, xdelta3-compatible.
 *
 * @example
 * ```ts
 * import { encodeDelta, decodeDelta } from 'bucketkit/delta';
 * const delta = encodeDelta(reference, version2);
 * const back = decodeDelta(reference, delta); // === version2, byte for byte
 * ```
 */
export * from './vcdiff/index.js';
