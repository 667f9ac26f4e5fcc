import type { ErasureCodec } from '../../src/erasure/browser.js';
import { pseudoRandomBytes } from '../../src/testing/random-bytes.js';

/** Shapes and sizes both sides run: odd sizes exercise the kernel's tail handling. */
export const CASES = [
  { k: 4, m: 2, size: 1 << 20 },
  { k: 8, m: 3, size: 65_536 + 13 },
  { k: 10, m: 4, size: 1000 },
  { k: 1, m: 1, size: 31 },
  { k: 17, m: 5, size: 4099 },
];

/** Deterministic shards, the same in Node and in the browser: consecutive runs of one xorshift32 stream. */
export function seededShards(seed: number, count: number, size: number): Uint8Array[] {
  const bytes = pseudoRandomBytes(count * size, seed);
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

/** Which `m` shards a case loses: spread over data and parity, from the seed. */
export function lost(k: number, m: number, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < m; i++) {
    const index = (seed * 7 + i * 5) % (k + m);
    if (!out.includes(index)) out.push(index);
  }
  return out;
}

/** FNV-1a over every shard: a cheap fingerprint to compare results across runtimes. */
export function fingerprint(shards: Uint8Array[]): string {
  let h = 0x811c9dc5;
  for (const shard of shards) {
    for (let i = 0; i < shard.length; i++) {
      h ^= shard[i]!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16);
}

/** Encodes and reconstructs one case; what both runtimes report. */
export function runCase(
  codec: ErasureCodec,
  reference: ErasureCodec,
  c: (typeof CASES)[number],
  seed: number,
) {
  const data = seededShards(seed, c.k, c.size);
  const parity = codec.encode(data);
  const shards: (Uint8Array | undefined)[] = [...data, ...parity];
  for (const i of lost(c.k, c.m, seed)) shards[i] = undefined;
  const rebuilt = codec.reconstruct(shards);
  return {
    parity: fingerprint(parity),
    referenceAgrees: fingerprint(reference.encode(data)) === fingerprint(parity),
    rebuiltExact: fingerprint(rebuilt) === fingerprint([...data, ...parity]),
    verifies: codec.verify([...data, ...parity]),
  };
}
