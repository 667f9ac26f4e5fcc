import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../src/erasure/codec.js';
import { cauchyParity, gfInv, gfMul, invert, multiply } from '../../src/erasure/gf.js';
import { jsKernel } from '../../src/erasure/kernel-js.js';
import { BucketkitError } from '../../src/index.js';
import { lossPatterns } from '../support/erasure.js';

const shape = fc.record({
  k: fc.integer({ min: 1, max: 10 }),
  m: fc.integer({ min: 1, max: 4 }),
  size: fc.integer({ min: 0, max: 300 }),
  seed: fc.integer(),
});

function randomShards(k: number, size: number, seed: number): Uint8Array[] {
  let x = seed | 1;
  return Array.from({ length: k }, () =>
    Uint8Array.from({ length: size }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    }),
  );
}

describe('GF(2^8)', () => {
  it('multiplication is commutative, distributes over XOR, and every non-zero element has an inverse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        (a, b, c) => {
          expect(gfMul(a, b)).toBe(gfMul(b, a));
          expect(gfMul(a, b ^ c)).toBe(gfMul(a, b) ^ gfMul(a, c));
          if (a !== 0) expect(gfMul(a, gfInv(a))).toBe(1);
        },
      ),
    );
    // 0x11d: x^8 = x^4 + x^3 + x^2 + 1
    expect(gfMul(0x80, 2)).toBe(0x1d);
  });

  it('inverts the Cauchy-based matrices: M × M⁻¹ = I', () => {
    const c = cauchyParity(6, 6);
    const square = { rows: 6, cols: 6, data: c.data };
    const product = multiply(square, invert(square));
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) expect(product.data[i * 6 + j]).toBe(i === j ? 1 : 0);
  });
});

describe('Reed-Solomon codec', () => {
  it('the kernel computes exactly the naive GF matrix product', () => {
    fc.assert(
      fc.property(shape, ({ k, m, size, seed }) => {
        const coefficients = Uint8Array.from({ length: k * m }, (_, i) => (i * 37 + seed) & 0xff);
        const inputs = randomShards(k, size, seed);
        const outputs = Array.from({ length: m }, () => new Uint8Array(size).fill(0xaa));
        jsKernel.mulMatrix(coefficients, inputs, outputs, size);
        for (let r = 0; r < m; r++) {
          for (let i = 0; i < size; i++) {
            let sum = 0;
            for (let c = 0; c < k; c++) sum ^= gfMul(coefficients[r * k + c]!, inputs[c]![i]!);
            expect(outputs[r]![i]).toBe(sum);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every erasure pattern of up to m shards reconstructs byte-exact (random shapes)', () => {
    fc.assert(
      fc.property(shape, ({ k, m, size, seed }) => {
        const rs = createCodec({ dataShards: k, parityShards: m });
        const data = randomShards(k, size, seed);
        const full = [...data, ...rs.encode(data)];
        expect(rs.verify(full)).toBe(true);
        for (const lost of lossPatterns(k + m, m)) {
          const shards: (Uint8Array | undefined)[] = full.map((s, i) =>
            lost.includes(i) ? undefined : s.slice(),
          );
          const rebuilt = rs.reconstruct(shards);
          for (let i = 0; i < k + m; i++) {
            if (!Buffer.from(rebuilt[i]!).equals(Buffer.from(full[i]!)))
              expect.fail(`shard ${i} differs after losing ${lost}`);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('reconstructs in place into given buffers when told which shards are valid', () => {
    const rs = createCodec({ dataShards: 5, parityShards: 3 });
    const data = randomShards(5, 999, 3);
    const full = [...data, ...rs.encode(data)];
    for (const lost of lossPatterns(8, 3)) {
      const shards = full.map((s, i) => (lost.includes(i) ? new Uint8Array(999).fill(0xee) : s.slice()));
      const buffers = [...shards];
      const out = rs.reconstruct(
        shards,
        full.map((_, i) => !lost.includes(i)),
      );
      for (let i = 0; i < 8; i++) {
        expect(out[i]).toBe(buffers[i]);
        if (!Buffer.from(out[i]!).equals(Buffer.from(full[i]!)))
          expect.fail(`shard ${i} after losing ${lost}`);
      }
    }
  });

  it('works at the limits: 1+1, 200+56, and 1-byte shards', () => {
    for (const [k, m] of [
      [1, 1],
      [200, 56],
      [3, 1],
    ] as const) {
      const rs = createCodec({ dataShards: k, parityShards: m });
      const data = randomShards(k, 1, k);
      const full = [...data, ...rs.encode(data)];
      const shards: (Uint8Array | undefined)[] = full.map((s, i) => (i < m ? undefined : s));
      expect(rs.reconstruct(shards)).toEqual(full);
    }
  });

  it('detects corrupted parity with verify, and refuses with typed errors', () => {
    const rs = createCodec({ dataShards: 4, parityShards: 2 });
    const data = randomShards(4, 64, 7);
    const full = [...data, ...rs.encode(data)];
    full[5]![10]! ^= 1;
    expect(rs.verify(full)).toBe(false);
    const tooFew = [undefined, undefined, undefined, full[3], full[4], full[5]];
    expect(
      BucketkitError.is(
        catchIt(() => rs.reconstruct(tooFew)),
        'Corrupt',
      ),
    ).toBe(true);
    expect(
      BucketkitError.is(
        catchIt(() => createCodec({ dataShards: 200, parityShards: 57 })),
        'InvalidArgument',
      ),
    ).toBe(true);
    expect(
      BucketkitError.is(
        catchIt(() => rs.encode([data[0]!])),
        'InvalidArgument',
      ),
    ).toBe(true);
    expect(
      BucketkitError.is(
        catchIt(() => rs.encode([data[0]!, data[1]!, data[2]!, new Uint8Array(3)])),
        'InvalidArgument',
      ),
    ).toBe(true);
  });
});

function catchIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
