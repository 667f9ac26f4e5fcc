/**
 * VCDIFF (RFC 3284) deltas that interoperate with xdelta3 3.0.11 and DeltaGlider: `encodeDelta` writes
 * deltas `xdelta3 -d` reads, `decodeDeltaAsync` reads every delta `xdelta3 -e` writes (LZMA secondary
 * compression included), `decodeDelta` the ones without secondary compression (`-S none`).
 */
import { type DecodedDelta, type DecodeOptions, decodeVcdiff, decodeVcdiffAsync } from './decoder.js';
import { type EncodeOptions, encodeVcdiff } from './encoder.js';

export type { ByteSource } from './stream.js';
export { decodeDeltaStream, encodeDeltaStream } from './stream.js';
export type { DecodedDelta, DecodeOptions, EncodeOptions };
export { decodeVcdiff, decodeVcdiffAsync, encodeVcdiff };

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
 * Rebuilds the target from `source` and a VCDIFF `delta` (ours or xdelta3's), synchronously. Throws
 * `Corrupt` for malformed or mismatching deltas, `Unsupported` for secondary compression (use
 * `decodeDeltaAsync`) and custom code tables.
 *
 * @example
 * ```ts
 * const release = decodeDelta(reference, delta);
 * ```
 */
export function decodeDelta(source: Uint8Array, delta: Uint8Array, options?: DecodeOptions): Uint8Array {
  return decodeVcdiff(source, delta, options).target;
}

/**
 * Rebuilds the target from `source` and any VCDIFF `delta` xdelta3 writes, including its default LZMA
 * secondary compression (what DeltaGlider stores). Throws `Corrupt` for malformed, mismatching or
 * oversized deltas, `Unsupported` for DJW/FGK secondary compression and custom code tables.
 *
 * @example
 * ```ts
 * const release = await decodeDeltaAsync(reference, await readFile('app.zip.delta'));
 * ```
 */
export async function decodeDeltaAsync(
  source: Uint8Array,
  delta: Uint8Array,
  options?: DecodeOptions,
): Promise<Uint8Array> {
  return (await decodeVcdiffAsync(source, delta, options)).target;
}
