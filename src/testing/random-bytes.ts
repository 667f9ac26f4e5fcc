/**
 * Deterministic pseudo-random bytes (xorshift32), so a test can stream a large body without keeping
 * it and check what comes back by hash. No Node module here: browser test pages use it too.
 *
 * @example
 * ```ts
 * const bytes = pseudoRandomBytes(1024, 7);
 * ```
 */
export function pseudoRandomBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
