import { describe, expect, it } from 'vitest';
import { decodeDelta, encodeDelta } from '../../src/delta/vcdiff/index.js';
import { applyEdits, type Edit, randomBytes, textLike } from './edits.js';

/** A text-like release and the next one: 60 small edits scattered over 1.5 MiB. */
function scatteredEdits(): { source: Uint8Array; target: Uint8Array } {
  const source = textLike(1536 * 1024, 21);
  const pick = randomBytes(240, 22);
  const edits: Edit[] = [];
  const gap = Math.floor(source.length / 64);
  for (let i = 0; i < 60; i++) {
    const at = (i + 1) * gap + (pick[i] as number);
    const length = 10 + (pick[i + 60] as number);
    edits.push(i % 3 === 0 ? { kind: 'delete', at, length } : { kind: 'insert', at, length, seed: 100 + i });
  }
  return { source, target: applyEdits(source, edits) };
}

describe('encode levels', () => {
  const { source, target } = scatteredEdits();
  const sizes = new Map<number, number>();
  for (const level of [1, 5, 9]) {
    it(`level ${level} round-trips`, () => {
      const delta = encodeDelta(source, target, { level });
      expect(Buffer.from(decodeDelta(source, delta)).equals(target)).toBe(true);
      sizes.set(level, delta.length);
    });
  }

  it('lower levels give bigger deltas (they sample the reference more sparsely)', () => {
    const [one, five, nine] = [sizes.get(1), sizes.get(5), sizes.get(9)] as number[];
    expect(one).toBeGreaterThan(five as number);
    expect(five).toBeGreaterThan(nine as number);
  });
});
