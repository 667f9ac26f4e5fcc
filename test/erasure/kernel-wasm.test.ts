import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatedPath, generateKernelModule, watPath } from '../../scripts/build-wasm.js';
import { createCodec } from '../../src/erasure/codec.js';
import type { GfKernel } from '../../src/erasure/kernel.js';
import { jsKernel } from '../../src/erasure/kernel-js.js';
import { CHUNK_BUDGET_BYTES, wasmKernel, wasmKernels } from '../../src/erasure/kernel-wasm.js';
import { defaultKernel } from '../../src/erasure/kernels.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { lossPatterns } from '../support/erasure.js';

/** `count` views of `size` bytes at odd offsets inside larger buffers, so byteOffset is never aligned. */
function unalignedViews(count: number, size: number, seed: number, slack: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = ((seed + i * 7) >>> 0) % 13;
    return pseudoRandomBytes(offset + size + slack, seed + i).subarray(offset, offset + size + slack);
  });
}

/** Runs both kernels on copies of the same outputs and expects every byte, tails included, to match. */
function expectSameAsJs(
  kernel: GfKernel,
  coefficients: Uint8Array,
  inputs: Uint8Array[],
  outputs: Uint8Array[],
  length: number,
): void {
  const expected = outputs.map((o) => o.slice());
  jsKernel.mulMatrix(coefficients, inputs, expected, length);
  kernel.mulMatrix(coefficients, inputs, outputs, length);
  outputs.forEach((out, r) => {
    if (!Buffer.from(out).equals(Buffer.from(expected[r]!))) {
      const i = out.findIndex((b, j) => b !== expected[r]![j]);
      expect.fail(`${kernel.name}: row ${r} of ${outputs.length} differs at byte ${i} (length ${length})`);
    }
  });
}

const interestingLength = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc.constantFrom(0, 1, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 4095, 4096, 4097, 5000),
);

const kernels = wasmKernels();

describe('WebAssembly SIMD kernel', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('is available on this runtime and is the default kernel', () => {
    expect(kernels.length).toBeGreaterThan(0);
    expect(wasmKernel()).toBe(kernels[0]);
    expect(defaultKernel()).toBe(kernels[0]);
    expect(createCodec({ dataShards: 4, parityShards: 2 }).kernel).toBe(kernels[0]!.name);
  });

  it('is undefined, and the default falls back to js, where WebAssembly.validate rejects SIMD', async () => {
    vi.resetModules();
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const fresh = await import('../../src/erasure/kernel-wasm.js');
    const freshDefault = await import('../../src/erasure/kernels.js');
    expect(fresh.wasmKernel()).toBeUndefined();
    expect(freshDefault.defaultKernel().name).toBe('js');
  });

  for (const kernel of kernels) {
    describe(kernel.name, () => {
      it('equals the js kernel on random shapes, lengths and unaligned inputs', () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 32 }),
            fc.integer({ min: 1, max: 8 }),
            interestingLength,
            fc.integer({ min: 0, max: 40 }),
            fc.integer(),
            (k, m, length, slack, seed) => {
              const coefficients = pseudoRandomBytes(k * m, seed ^ 0x5bd1e995);
              const inputs = unalignedViews(k, length, seed, slack);
              // Outputs longer than `length` must keep their tails; they start as garbage elsewhere.
              const outputs = unalignedViews(m, length, ~seed, slack);
              expectSameAsJs(kernel, coefficients, inputs, outputs, length);
            },
          ),
          { numRuns: 300 },
        );
      });

      it('equals the js kernel across several chunks and when memory has to grow', () => {
        for (const [k, m] of [
          [4, 2],
          [10, 4],
          [3, 7],
          [200, 56],
        ] as const) {
          const chunk = Math.max(32, Math.floor(CHUNK_BUDGET_BYTES / (k + m) / 32) * 32);
          for (const length of [chunk - 1, chunk, 2 * chunk + 33, 3 * chunk + 17]) {
            const coefficients = pseudoRandomBytes(k * m, k * 31 + m);
            const inputs = unalignedViews(k, length, length, 0);
            const outputs = unalignedViews(m, length, length + 1, 5);
            expectSameAsJs(kernel, coefficients, inputs, outputs, length);
          }
        }
      });

      it('handles zero coefficients, k = 0 and length 0', () => {
        const inputs = unalignedViews(3, 100, 1, 0);
        expectSameAsJs(kernel, new Uint8Array(6), inputs, unalignedViews(2, 100, 2, 0), 100);
        expectSameAsJs(kernel, new Uint8Array(0), [], unalignedViews(2, 100, 3, 0), 100);
        expectSameAsJs(kernel, pseudoRandomBytes(6, 4), inputs, unalignedViews(2, 100, 5, 3), 0);
      });

      it('makes a codec that rebuilds every erasure pattern of up to m shards', () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 10 }),
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 0, max: 700 }),
            fc.integer(),
            (k, m, size, seed) => {
              const rs = createCodec({ dataShards: k, parityShards: m, kernel });
              expect(rs.kernel).toBe(kernel.name);
              const data = Array.from({ length: k }, (_, i) => pseudoRandomBytes(size, seed + i));
              const full = [...data, ...rs.encode(data)];
              expect(rs.verify(full)).toBe(true);
              const reference = createCodec({ dataShards: k, parityShards: m, kernel: jsKernel });
              expect(reference.verify(full)).toBe(true);
              for (const lost of lossPatterns(k + m, m)) {
                const shards = full.map((s, i) => (lost.includes(i) ? undefined : s.slice()));
                const rebuilt = rs.reconstruct(shards);
                for (let i = 0; i < k + m; i++) {
                  if (!Buffer.from(rebuilt[i]!).equals(Buffer.from(full[i]!)))
                    expect.fail(`shard ${i} differs after losing ${lost}`);
                }
              }
            },
          ),
          { numRuns: 40 },
        );
      });
    });
  }
});

describe('kernel-wasm.generated.ts', () => {
  it('is exactly what `npm run build:wasm` makes from kernel.wat', async () => {
    const regenerated = await generateKernelModule(await readFile(watPath, 'utf8'));
    expect(await readFile(generatedPath, 'utf8')).toBe(regenerated);
  });
});
