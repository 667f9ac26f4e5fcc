import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../src/erasure/codec.js';
import { jsKernel } from '../../src/erasure/kernel-js.js';
import { wasmKernels } from '../../src/erasure/kernel-wasm.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { lossPatterns } from '../support/erasure.js';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe.each(wasmKernels())('zero-copy shard arenas ($name)', (kernel) => {
  it('gives views in WebAssembly memory that the kernel computes in place, equal to the js kernel', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom(0, 1, 31, 32, 33, 4096, 65537)),
        fc.integer({ min: 0, max: 40 }),
        fc.integer(),
        (k, m, length, skew, seed) => {
          // views at any offset inside the arena's regions, longer than `length`: tails must survive
          const arena = kernel.allocate(k + m, length + skew + 8);
          try {
            const views = arena.shards.map((s, i) => s.subarray(skew, skew + length + ((i * 3) % 8)));
            views.forEach((v, i) => {
              v.set(pseudoRandomBytes(v.byteLength, seed + i));
            });
            const inputs = views.slice(0, k);
            const outputs = views.slice(k);
            expect(kernel.arenaOf(views)).toBeDefined();
            const coefficients = pseudoRandomBytes(k * m, seed ^ 0x9e3779b9);
            const expected = outputs.map((o) => o.slice());
            jsKernel.mulMatrix(coefficients, inputs, expected, length);
            kernel.mulMatrix(coefficients, inputs, outputs, length);
            outputs.forEach((o, r) => {
              if (!same(o, expected[r]!)) expect.fail(`row ${r} differs (k ${k}, m ${m}, length ${length})`);
            });
          } finally {
            arena.release();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('encodes and rebuilds every loss pattern in place, byte-exact with the js codec', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer(),
        (k, m, size, seed) => {
          const rs = createCodec({ dataShards: k, parityShards: m, kernel });
          const reference = createCodec({ dataShards: k, parityShards: m, kernel: jsKernel });
          const arena = rs.allocate(k + m, size);
          try {
            const shards = arena.shards;
            shards.slice(0, k).forEach((s, i) => {
              s.set(pseudoRandomBytes(size, seed + i));
            });
            rs.encode(shards.slice(0, k), shards.slice(k));
            const expected = [...shards.slice(0, k), ...reference.encode(shards.slice(0, k))].map((s) =>
              s.slice(),
            );
            shards.forEach((s, i) => {
              expect(same(s, expected[i]!)).toBe(true);
            });
            for (const lost of lossPatterns(k + m, m)) {
              for (const i of lost) shards[i]!.fill(0xa5);
              rs.reconstruct(
                shards,
                shards.map((_, i) => !lost.includes(i)),
              );
              shards.forEach((s, i) => {
                if (!same(s, expected[i]!)) expect.fail(`shard ${i} differs after losing ${lost}`);
              });
            }
          } finally {
            arena.release();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never detaches views: later and larger allocations get their own memory', () => {
    const first = kernel.allocate(3, 1000);
    first.shards[1]!.set(pseudoRandomBytes(1000, 7));
    const big = Array.from({ length: 3 }, (_, i) => kernel.allocate(4, (i + 1) * 4 * 1024 * 1024));
    expect(first.shards[1]!.byteLength).toBe(1000);
    expect(same(first.shards[1]!, pseudoRandomBytes(1000, 7))).toBe(true);
    for (const arena of big) arena.release();
    first.release();
  });

  it('places shards on cache lines, at distinct offsets modulo 4 KiB even for power-of-two sizes', () => {
    for (const size of [1 << 20, 256 * 1024, 4096, 1000]) {
      const arena = kernel.allocate(16, size);
      const offsets = arena.shards.map((s) => s.byteOffset);
      expect(offsets.every((o) => o % 64 === 0)).toBe(true);
      expect(new Set(offsets.map((o) => o % 4096)).size).toBe(16);
      arena.release();
    }
  });

  it('reuses released memory, and mixes arena views with ordinary buffers through the copying path', () => {
    const a = kernel.allocate(2, 4096);
    const memory = a.shards[0]!.buffer;
    a.release();
    a.release(); // twice is harmless
    const b = kernel.allocate(2, 2048);
    expect(b.shards[0]!.buffer).toBe(memory);
    const rs = createCodec({ dataShards: 1, parityShards: 1, kernel });
    b.shards[0]!.set(pseudoRandomBytes(2048, 3));
    const parity = new Uint8Array(2048);
    rs.encode([b.shards[0]!], [parity]);
    expect(
      same(
        parity,
        createCodec({ dataShards: 1, parityShards: 1, kernel: jsKernel }).encode([b.shards[0]!])[0]!,
      ),
    ).toBe(true);
    b.release();
  });
});

describe('shard arenas without a WebAssembly kernel', () => {
  it('are ordinary buffers with the js kernel', () => {
    const arena = createCodec({ dataShards: 2, parityShards: 1, kernel: jsKernel }).allocate(3, 10);
    expect(arena.shards.map((s) => s.byteLength)).toEqual([10, 10, 10]);
    expect(arena.shards[0]!.buffer).not.toBe(arena.shards[1]!.buffer);
    arena.release();
  });

  it('refuse a negative or fractional size', () => {
    const rs = createCodec({ dataShards: 2, parityShards: 1 });
    expect(() => rs.allocate(3, -1)).toThrow(/allocate takes/);
    expect(() => rs.allocate(1.5, 4)).toThrow(/allocate takes/);
  });
});
