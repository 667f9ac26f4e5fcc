/** Seeded pieces of generated log text shared by the lake benchmarks: the same seed, the same data every run. */

/**
 * A xorshift32 generator and the helpers built on it.
 *
 * @example
 * ```ts
 * const { next, pick, hex, ip } = randomText(0x9e3779b9);
 * const line = `${pick(['GET', 'PUT'])} from ${ip()} id=${hex(8)} in ${next() % 900}ms`;
 * ```
 */
export function randomText(initialSeed: number) {
  let seed = initialSeed;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[next() % items.length]!,
    hex: (n: number) => Array.from({ length: n }, () => (next() % 16).toString(16)).join(''),
    ip: () => `10.${next() % 256}.${next() % 256}.${next() % 256}`,
  };
}
