import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planParts } from '../../src/datasets/index.js';

const MIN = 100;
const MAX = 450;

describe('planParts', () => {
  it('covers every byte once, in order; all parts but the last >= minPart; copies <= maxPart; glue bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1200 }), { minLength: 1, maxLength: 12 }),
        fc.nat(64),
        (sizes, trailer) => {
          const segments = sizes.map((size, i) => ({ key: `k${i}`, start: 7, end: 7 + size }));
          const parts = planParts(segments, trailer, MIN, MAX);
          const flat: string[] = [];
          parts.forEach((part, i) => {
            const size = part.kind === 'copy' ? part.end - part.start : part.size;
            if (i < parts.length - 1) expect(size).toBeGreaterThanOrEqual(MIN);
            if (part.kind === 'copy') {
              expect(size).toBeLessThanOrEqual(MAX);
              flat.push(`${part.key}:${part.start}-${part.end}`);
            } else {
              expect(size).toBeLessThan(2 * MIN + trailer);
              let sum = 0;
              for (const piece of part.pieces) {
                if ('zeros' in piece) {
                  flat.push(`zeros:${piece.zeros}`);
                  sum += piece.zeros;
                } else {
                  flat.push(`${piece.key}:${piece.start}-${piece.end}`);
                  sum += piece.end - piece.start;
                }
              }
              expect(sum).toBe(part.size);
            }
          });
          // Merge adjacent spans of one key: the result must be the segments, then the trailer.
          const merged: string[] = [];
          for (const item of flat) {
            const last = merged.at(-1);
            const [k, span] = item.split(':') as [string, string];
            const [lk, lspan] = (last ?? ':').split(':') as [string, string];
            if (last && k === lk && k !== 'zeros' && lspan.split('-')[1] === span.split('-')[0]) {
              merged[merged.length - 1] = `${k}:${lspan.split('-')[0]}-${span.split('-')[1]}`;
            } else merged.push(item);
          }
          const expected = segments.map((s) => `${s.key}:${s.start}-${s.end}`);
          if (trailer > 0) expected.push(`zeros:${trailer}`);
          expect(merged).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('copies every segment of at least minPart whole when glue does not need it', () => {
    const parts = planParts(
      [
        { key: 'a', start: 0, end: 300 },
        { key: 'b', start: 0, end: 120 },
      ],
      10,
      MIN,
      MAX,
    );
    expect(parts.map((p) => p.kind)).toEqual(['copy', 'copy', 'upload']);
  });
});
