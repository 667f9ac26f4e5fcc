import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDelta, encodeDelta } from '../../src/delta/vcdiff/index.js';
import { BucketkitError } from '../../src/errors.js';
import { applyEdits, type Edit, randomBytes, versionPair } from './edits.js';

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    length: fc.integer({ min: 0, max: 3000 }),
    seed: fc.integer(),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 0, max: 3000 }),
  }),
  fc.record({
    kind: fc.constant('move' as const),
    from: fc.nat(),
    length: fc.integer({ min: 0, max: 5000 }),
    to: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('repeat' as const),
    from: fc.nat(),
    length: fc.integer({ min: 0, max: 2000 }),
    times: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat() }),
);

/** Low-entropy sources too, so runs and short self-matches are exercised, not only random bytes. */
const source = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.integer()).map(([n, seed]) => randomBytes(n, seed)),
  fc.uint8Array({ maxLength: 2000 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 5000 }))
    .map(([unit, times]) =>
      Uint8Array.from({ length: unit.length * times }, (_, i) => unit[i % unit.length] as number),
    ),
);

describe('encodeDelta → decodeDelta', () => {
  it('round-trips any target built from edits of the source', () => {
    fc.assert(
      fc.property(source, fc.array(edit, { maxLength: 8 }), fc.constantFrom(1, 6, 9), (src, edits, level) => {
        const target = applyEdits(src, edits);
        const delta = encodeDelta(src, target, { level });
        expect(Buffer.from(decodeDelta(src, delta)).equals(target)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips unrelated source and target, across small windows', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ maxLength: 5000 }), (src, target) => {
        const delta = encodeDelta(src, target, { windowSize: 1024 });
        expect(Buffer.from(decodeDelta(src, delta)).equals(target)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('makes small deltas for small edits', () => {
    const { source: src, target } = versionPair(1024 * 1024, 3);
    // 3,100 inserted random bytes cannot be compressed; everything else is copies.
    expect(encodeDelta(src, target).length).toBeLessThan(3400);
    expect(encodeDelta(src, src).length).toBeLessThan(30);
  });

  it('rejects bad options with InvalidArgument', () => {
    const data = randomBytes(10, 1);
    for (const options of [
      { windowSize: 10 },
      { windowSize: 64 * 1024 * 1024 },
      { level: 0 },
      { level: 1.5 },
    ]) {
      expect(() => encodeDelta(data, data, options)).toThrow(
        expect.objectContaining({ code: 'InvalidArgument', name: 'BucketkitError' }),
      );
    }
    expect(
      BucketkitError.is(
        catchError(() => encodeDelta(data, data, { level: 10 })),
        'InvalidArgument',
      ),
    ).toBe(true);
  });
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (err) {
    return err;
  }
  return undefined;
}
