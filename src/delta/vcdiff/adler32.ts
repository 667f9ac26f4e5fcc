/**
 * Adler-32 (RFC 1950), the per-window checksum xdelta3 stores after the section lengths when
 * `Win_Indicator` has its bit 0x04 set.
 */

const MOD = 65521;
/** The most bytes that can be summed before `b` may exceed 2^32 (zlib's NMAX). */
const CHUNK = 5552;

/**
 * The Adler-32 of `data`.
 *
 * @example
 * ```ts
 * adler32(new TextEncoder().encode('Wikipedia')); // 0x11e60398
 * ```
 */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < data.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, data.length);
    for (let i = start; i < end; i++) {
      a += data[i] as number;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
