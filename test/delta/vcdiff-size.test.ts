/**
 * Delta size against the real `xdelta3 -e -9 -S none -A` (no application header, so only the
 * encoding is compared), on small inputs that reproduce each cause that once made our deltas larger
 * than xdelta3's on the npm release corpus (`bench/delta-npm.ts`, issue #20 item 5). Each input is
 * seeded; xdelta3 is run in the test, so no size is written down here.
 */
import { describe, expect, it } from 'vitest';
import { encodeDelta } from '../../src/delta/vcdiff/index.js';
import { concatBytes } from '../../src/storage/index.js';
import { applyEdits, type Edit, randomBytes, textLike } from './edits.js';
import { xdelta3Decode, xdelta3Encode } from './xdelta3.js';

const WINDOW = 64 * 1024;

function xdelta3Size(source: Uint8Array, target: Uint8Array, flags: string[] = []): number {
  return xdelta3Encode(source, target, ['-9', '-S', 'none', '-A', ...flags]).length;
}

function expectDecodes(source: Uint8Array, target: Uint8Array, delta: Uint8Array): void {
  expect(Buffer.from(xdelta3Decode(source, delta)).equals(target)).toBe(true);
}

describe('VCDIFF delta size against xdelta3 -9', () => {
  it('a window boundary inside a long copy: the next window continues the copy (typescript .tar)', () => {
    // The bytes at each window start also occur 40 times elsewhere, more than a hash chain is walked:
    // a new window that forgot the last copy's offset took a 40-byte copy from one of them first.
    const release = randomBytes(4 * WINDOW, 1);
    const decoys: Uint8Array[] = [];
    for (let w = 1; w < 4; w++) {
      for (let i = 0; i < 40; i++) {
        decoys.push(release.subarray(w * WINDOW, w * WINDOW + 40), randomBytes(24, 100 * w + i));
      }
    }
    const source = concatBytes([release, ...decoys]);
    const delta = encodeDelta(source, release, { windowSize: WINDOW });
    expect(delta.length).toBeLessThanOrEqual(xdelta3Size(source, release, ['-W', String(WINDOW)]));
    expectDecodes(source, release, delta);
  });

  // Short repeats every 1.5-3.5 KB of otherwise new bytes: past 512 literal bytes the search steps
  // over positions, and once missed the repeats that start on them.
  for (const seed of [2, 9, 25]) {
    it(`short repeats inside long literal runs are still found (react-dom .tgz), seed ${seed}`, () => {
      const source = randomBytes(100_000, seed);
      const target = randomBytes(300_000, seed + 1000);
      const gap = 1500 + (seed % 5) * 500;
      const length = 6 + (seed % 7);
      const back = 700 + ((seed * 37) % 3000);
      for (let p = 2000; p + length < target.length; p += gap + ((p * 31) % 400)) {
        target.copyWithin(p, p - back, p - back + length);
      }
      const delta = encodeDelta(source, target);
      expect(delta.length).toBeLessThanOrEqual(xdelta3Size(source, target));
      expectDecodes(source, target, delta);
    });
  }

  it('a changed byte where the target repeats itself: one literal and the reference copy resumed (react-dom .tar)', () => {
    // The block's first byte changed and the new release holds the block twice: after the first copy
    // ends at the second one's changed byte, a copy of the first block (a far target address) and
    // then the rest cost more than the literal byte and the reference copy going on past it.
    const block = randomBytes(60_000, 31);
    const [middle, tail] = [randomBytes(30_000, 32), randomBytes(30_000, 33)];
    const changed = block.slice();
    changed[0] = (changed[0] as number) ^ 0x5a;
    const source = concatBytes([middle, block, tail]);
    const target = concatBytes([changed, middle, changed, tail]);
    const delta = encodeDelta(source, target);
    expect(delta.length).toBeLessThanOrEqual(xdelta3Size(source, target));
    expectDecodes(source, target, delta);
  });

  it('short edits of text: copies priced by what they cut, boundaries at cheap sizes (express/lodash .tar)', () => {
    const seed = 10;
    const source = textLike(60_000, seed);
    const edits: Edit[] = Array.from({ length: 30 }, (_, i) =>
      i % 2
        ? { kind: 'insert', at: (i * 7919 * seed) % 60_000, length: 2 + (i % 7), seed: seed * 100 + i }
        : { kind: 'delete', at: (i * 104729 * seed) % 60_000, length: 1 + (i % 5) },
    );
    const target = applyEdits(source, edits);
    const delta = encodeDelta(source, target);
    expect(delta.length).toBeLessThanOrEqual(xdelta3Size(source, target));
    expectDecodes(source, target, delta);
  });
});
