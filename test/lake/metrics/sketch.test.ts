import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import {
  DDSketch,
  decodeSketch,
  encodeSketch,
  LogarithmicMapping,
  rollupOf,
  singleValueSketch,
} from '../../../src/lake/sketch/index.js';

// Fixed seeds: a property test must fail the same way on every run (CI once failed on a random seed).
const SEED = 20261206;

/** The 17 mapping bytes every encoded sketch carries: flag 0x02, gamma and offset as float64 LE. */
function mappingBytes(gamma = 1.01 / 0.99, offset = 0): number[] {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, gamma, true);
  view.setFloat64(8, offset, true);
  return [0x02, ...new Uint8Array(view.buffer)];
}

const GAMMA = 1.01 / 0.99;
/** A value in the middle of bin `i` of the α = 0.01 mapping. */
const inBin = (i: number): number => GAMMA ** (i + 0.5);

function sketchOf(values: number[], counts?: number[]): DDSketch {
  const s = new DDSketch();
  for (const [i, v] of values.entries()) s.add(v, counts?.[i] ?? 1);
  return s;
}

describe('DDSketch encoding: hand-built vectors from the sketches-go format description', () => {
  it('encodes one value of 1 as the mapping then one sparse positive bin (index 0, count 1)', () => {
    // 0x05 = positive store (01) | index-deltas-and-counts (1 << 2); n = 1; zigzag(0) = 0; varfloat(1) = 0x02
    expect([...encodeSketch(sketchOf([1]))]).toEqual([...mappingBytes(), 0x05, 0x01, 0x00, 0x02]);
    expect(encodeSketch(sketchOf([1])).length).toBe(21);
  });

  it('puts the zero count first (flag 0x04) and writes no empty store', () => {
    expect([...encodeSketch(sketchOf([0, 0]))]).toEqual([0x04, 0x03, ...mappingBytes()]);
    expect([...encodeSketch(new DDSketch())]).toEqual(mappingBytes());
  });

  it('writes negative values in the negative store (flag 0x07), indexes zig-zag encoded', () => {
    // -0.5: |v| = 0.5 → index floor(ln 0.5 / ln γ) = -35 → zigzag 69 = 0x45
    expect([...encodeSketch(sketchOf([-0.5]))]).toEqual([...mappingBytes(), 0x07, 0x01, 0x45, 0x02]);
  });

  it('encodes counts as varfloat64: 3 → 0x04, 1.5 → 0x82 0x40; index 100 → uvarint(200) = 0xc8 0x01', () => {
    expect([...encodeSketch(sketchOf([inBin(100)], [3]))]).toEqual([
      ...mappingBytes(),
      0x05,
      0x01,
      0xc8,
      0x01,
      0x04,
    ]);
    expect([...encodeSketch(sketchOf([1], [1.5]))]).toEqual([
      ...mappingBytes(),
      0x05,
      0x01,
      0x00,
      0x82,
      0x40,
    ]);
  });

  it('chooses contiguous counts (flag 0x0d: n, first index, step 1, counts) when smaller', () => {
    const s = sketchOf([inBin(0), inBin(1), inBin(1), inBin(2)]);
    expect([...encodeSketch(s)]).toEqual([...mappingBytes(), 0x0d, 0x03, 0x00, 0x02, 0x02, 0x03, 0x02]);
  });

  it('chooses index deltas when bins are far apart, the first delta counted from 0', () => {
    const s = sketchOf([inBin(5), inBin(15)]);
    // dense would be 3 + 11 bytes, sparse 5: n = 2; delta 5 (zigzag 10), count 1; delta 10 (zigzag 20), count 1
    expect([...encodeSketch(s)]).toEqual([...mappingBytes(), 0x05, 0x02, 0x0a, 0x02, 0x14, 0x02]);
  });

  it('decodes every bin encoding of the format, also the ones its writer never picks', () => {
    const deltasOnly = [...mappingBytes(), 0x09, 0x03, 0x00, 0x02, 0x02]; // indexes 0, 1, 2, count 1 each
    const s1 = decodeSketch(Uint8Array.from(deltasOnly));
    expect(s1.count).toBe(3);
    expect([s1.positive.count(0), s1.positive.count(1), s1.positive.count(2)]).toEqual([1, 1, 1]);
    const stepTwo = [...mappingBytes(), 0x0f, 0x02, 0x02, 0x04, 0x02, 0x03]; // negative bins 1 and 3
    const s2 = decodeSketch(Uint8Array.from(stepTwo));
    expect([s2.negative.count(1), s2.negative.count(3), s2.negative.total]).toEqual([1, 2, 3]);
    expect(s2.quantile(0)).toBeCloseTo(-inBin(3), 1);
  });

  it('needs the mapping in the bytes or in the options (omitIndexMapping)', () => {
    const bins = Uint8Array.from([0x05, 0x01, 0x00, 0x02]);
    expect(() => decodeSketch(bins)).toThrowError(/no index mapping/);
    expect(decodeSketch(bins, { mapping: LogarithmicMapping.forAccuracy(0.01) }).quantile(0.5)).toBeCloseTo(
      1,
      1,
    );
  });

  it('refuses interpolated mappings as Unsupported', () => {
    const linear = [0x06, ...mappingBytes().slice(1)];
    expect(() => decodeSketch(Uint8Array.from(linear))).toThrowError(/Unsupported/);
  });
});

const magnitude = fc.double({ min: 1e-9, max: 1e12, noNaN: true, noDefaultInfinity: true });
const value = fc.oneof(
  magnitude,
  magnitude.map((v) => -v),
  fc.constant(0),
  fc.integer({ min: -1000, max: 1000 }),
);
const values = fc.array(value, { minLength: 1, maxLength: 400 });
const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

/** The true values around rank q·(n−1): sketches-go answers the lower one for positive values and the upper one for negative ones. */
function exactNeighbours(sorted: number[], q: number): number[] {
  const rank = q * (sorted.length - 1);
  return [sorted[Math.floor(rank)] as number, sorted[Math.ceil(rank)] as number];
}

describe('DDSketch properties (pinned seed)', () => {
  it('answers every quantile within 1 % of the true value at that rank', () => {
    fc.assert(
      fc.property(values, (vs) => {
        const s = sketchOf(vs);
        const sorted = [...vs].sort((a, b) => a - b);
        for (const q of QUANTILES) {
          const got = s.quantile(q);
          const within = exactNeighbours(sorted, q).some(
            (truth) => Math.abs(got - truth) <= Math.abs(truth) * 0.01 * (1 + 1e-9),
          );
          expect(within, `q=${q} gave ${got}`).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  // Counts are varfloat64: exact for integers and halves; (c + 1) − 1 rounds other fractions, in sketches-go too.
  const counts = fc.array(
    fc.integer({ min: 1, max: 2_000_000 }).map((n) => n / 2),
    { maxLength: 400 },
  );

  it('decodes what it encodes to the same sketch, and re-encodes the same bytes', () => {
    fc.assert(
      fc.property(values, counts, (vs, cs) => {
        const s = sketchOf(vs, cs);
        const bytes = encodeSketch(s);
        const back = decodeSketch(bytes);
        expect(back.count).toBe(s.count);
        for (const q of QUANTILES) expect(back.quantile(q)).toBe(s.quantile(q));
        expect(encodeSketch(back)).toEqual(bytes);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('merging two sketches gives the bytes of one sketch of both inputs', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const merged = sketchOf(a).merge(decodeSketch(encodeSketch(sketchOf(b))));
        expect(encodeSketch(merged)).toEqual(encodeSketch(sketchOf([...a, ...b])));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('encodes a one-value sketch through the per-bin cache to the bytes of a fresh sketch', () => {
    const oneValue = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.constantFrom(0, -0, 1e-320, -1e-320, 1.5e308),
    );
    fc.assert(
      fc.property(oneValue, (v) => {
        const fresh = new DDSketch();
        // past ~1e308 a sketch cannot hold the value (cooking then keeps an empty sketch)
        if (Math.abs(v) > fresh.mapping.maxIndexableValue) {
          expect(singleValueSketch(v)).toBeUndefined();
          return;
        }
        fresh.add(v);
        expect(singleValueSketch(v)).toEqual(encodeSketch(fresh));
        // a second value of the same bin shares the cached bytes, which still decode to one value
        expect(decodeSketch(singleValueSketch(v)!).count).toBe(1);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(singleValueSketch(Number.NaN)).toBeUndefined();
    expect(singleValueSketch(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(singleValueSketch(Number.MAX_VALUE)).toBeUndefined();
  });

  it('keeps one value of a gauge in ~21 bytes, a thousand spread values under 1 KB', () => {
    expect(encodeSketch(sketchOf([42.5])).length).toBeLessThanOrEqual(22);
    const spread = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.37);
    expect(encodeSketch(sketchOf(spread)).length).toBeLessThan(1024);
  });
});

describe('DDSketch decoder fuzzing (pinned seed)', () => {
  const decodesOrCorrupt = (bytes: Uint8Array): void => {
    try {
      const s = decodeSketch(bytes, { mapping: LogarithmicMapping.forAccuracy(0.01) });
      expect(Number.isFinite(s.count)).toBe(true);
      s.quantile(0.5);
    } catch (err) {
      if (!BucketkitError.is(err, 'Corrupt', 'Unsupported')) throw err;
    }
  };

  it('turns random bytes into a sketch or a typed Corrupt error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrCorrupt), {
      seed: SEED,
      numRuns: 5000,
    });
  });

  it('turns damaged valid encodings into a sketch or a typed Corrupt error', () => {
    fc.assert(
      fc.property(
        values,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (vs, edits, cut) => {
          const bytes = encodeSketch(sketchOf(vs));
          for (const [at, b] of edits) bytes[at % bytes.length] = b;
          decodesOrCorrupt(bytes.subarray(0, bytes.length - (cut % 4)));
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('refuses announcements larger than the bytes left, and spans that would allocate gigabytes', () => {
    const hugeCount = Uint8Array.from([...mappingBytes(), 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x02]);
    expect(() => decodeSketch(hugeCount)).toThrowError(/bins announced/);
    // bins at index 0 and 2^30: a dense store spanning both would need 8 GiB
    const farApart = Uint8Array.from([
      ...mappingBytes(),
      0x05,
      0x02,
      0x00,
      0x02,
      0x80,
      0x80,
      0x80,
      0x80,
      0x08,
      0x02,
    ]);
    const err = (() => {
      try {
        decodeSketch(farApart);
      } catch (e) {
        return e;
      }
    })();
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  });
});

describe('rollup statistics', () => {
  it('takes count/sum/min/max exactly when given and quantiles from the sketch', () => {
    const vs = Array.from({ length: 100 }, (_, i) => i + 1);
    const r = rollupOf(sketchOf(vs), { count: 100, sum: 5050, min: 1, max: 100 });
    expect([r.count, r.sum, r.min, r.max, r.avg]).toEqual([100, 5050, 1, 100, 50.5]);
    for (const [q, truth] of [
      [r.p25, 25],
      [r.p50, 50],
      [r.p75, 75],
      [r.p90, 90],
      [r.p95, 95],
      [r.p99, 99],
    ] as const) {
      expect(Math.abs(q - truth) / truth).toBeLessThanOrEqual(0.0101);
    }
  });

  it('approximates the statistics from the sketch alone within 1 %', () => {
    const r = rollupOf(sketchOf([10, 20, -5]));
    expect(r.count).toBe(3);
    expect(Math.abs(r.sum - 25)).toBeLessThanOrEqual(0.35);
    expect(Math.abs(r.min + 5)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(r.max - 20)).toBeLessThanOrEqual(0.2);
  });
});
