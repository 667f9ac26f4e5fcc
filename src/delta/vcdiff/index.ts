/**
 * VCDIFF (RFC 3284) deltas that interoperate with xdelta3 3.0.11 and DeltaGlider: `encodeDelta` writes
 * deltas `xdelta3 -d` reads, `decodeDelta` reads deltas `xdelta3 -e -S none` writes.
 */
import { type DecodedDelta, type DecodeOptions, decodeVcdiff } from './decoder.js';
import { type EncodeOptions, encodeVcdiff } from './encoder.js';

export type { ByteSource } from './stream.js';
export { decodeDeltaStream, encodeDeltaStream } from './stream.js';
export type { DecodedDelta, DecodeOptions, EncodeOptions };
export { decodeVcdiff, encodeVcdiff };

/**
 * Encodes `target` as a VCDIFF delta against `source` (the reference).
 *
 * @example
 * ```ts
 * const delta = encodeDelta(reference, release);
 * decodeDelta(reference, delta); // equal to release
 * ```
 */
export function encodeDelta(source: Uint8Array, target: Uint8Array, options?: EncodeOptions): Uint8Array {
  return encodeVcdiff(source, target, options);
}

/**
 * Rebuilds the target from `source` and a VCDIFF `delta` (ours or xdelta3's). Throws `Corrupt` for
 * malformed or mismatching deltas, `Unsupported` for secondary compression and custom code tables.
 *
 * @example
 * ```ts
 * const release = decodeDelta(reference, delta);
 * ```
 */
export function decodeDelta(source: Uint8Array, delta: Uint8Array, options?: DecodeOptions): Uint8Array {
  return decodeVcdiff(source, delta, options).target;
}
