import { describe, expect, it } from 'vitest';
import { hash8, SourceIndex } from '../../src/delta/vcdiff/hash-index.js';
import { randomBytes, textLike } from './edits.js';

/** Every chain of the index, newest first, as the plain one-pass build makes them. */
function expectedChains(source: Uint8Array, index: SourceIndex): Map<number, number[]> {
  const chains = new Map<number, number[]>();
  for (let p = 0; p + 8 <= source.length; p += index.step) {
    const h = hash8(source, p, index.bits);
    const chain = chains.get(h);
    if (chain) chain.push(p);
    else chains.set(h, [p]);
  }
  for (const chain of chains.values()) chain.reverse();
  return chains;
}

function chainsOf(index: SourceIndex, hashes: Iterable<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const h of hashes) {
    const chain: number[] = [];
    for (let p = index.first(h); p >= 0; p = index.next(p)) chain.push(p);
    out.set(h, chain);
  }
  return out;
}

describe('SourceIndex', () => {
  // Random data takes the slice-by-slice build (a table of 2^19 heads), text the plain loop.
  for (const [label, source] of [
    ['random 512 KiB', randomBytes(1 << 19, 5)],
    ['text-like 512 KiB', textLike(1 << 19, 6)],
    ['random 20 KB (the plain loop)', randomBytes(20_000, 7)],
  ] as const) {
    it(`${label}: every chain holds exactly the positions of its hash, newest first`, () => {
      const index = new SourceIndex(source);
      const expected = expectedChains(source, index);
      expect(chainsOf(index, expected.keys())).toEqual(expected);
      // A hash no position has: an empty chain.
      const unused = [...Array(1 << index.bits).keys()].find((h) => !expected.has(h)) as number;
      expect(index.first(unused)).toBe(-1);
    });
  }

  // Level 9 samples every 2nd position into a table with ~8 entries per slot (text only).
  for (const [label, source, step, spread] of [
    ['text-like 512 KiB, every 2nd position, shared slots', textLike(1 << 19, 8), 2, 8],
    ['text-like 300 KB, every 8th position, shared slots', textLike(300_000, 9), 8, 8],
    ['random 512 KiB, every 4th position (no sharing for distinct keys)', randomBytes(1 << 19, 10), 4, 8],
  ] as const) {
    it(`${label}: chains hold exactly the sampled positions of their hash`, () => {
      const index = new SourceIndex(source, step, spread);
      expect(index.step).toBe(step);
      const expected = expectedChains(source, index);
      expect(chainsOf(index, expected.keys())).toEqual(expected);
      const entries = Math.ceil((source.length - 7) / step);
      if (index.shared) expect(1 << index.bits).toBeLessThan(entries);
      else expect(1 << index.bits).toBeGreaterThanOrEqual(entries);
    });
  }

  it('shares head slots only for references whose keys repeat', () => {
    expect(new SourceIndex(textLike(1 << 19, 11), 2, 8).shared).toBe(true);
    expect(new SourceIndex(randomBytes(1 << 19, 12), 2, 8).shared).toBe(false);
  });
});
