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
});
