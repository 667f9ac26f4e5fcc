import { mulTable } from './gf.js';
import type { GfKernel } from './kernel.js';

const tables: Uint8Array[] = Array.from({ length: 256 }, (_, c) => mulTable(c));

/**
 * The pure TypeScript kernel: four table lookups per 32-bit word (about 2× byte-at-a-time), used where
 * WebAssembly SIMD is unavailable.
 *
 * @example
 * ```ts
 * jsKernel.mulMatrix(parityRows, dataShards, parityShards, shardSize);
 * ```
 */
export const jsKernel: GfKernel = {
  name: 'js',
  mulMatrix(coefficients, inputs, outputs, length) {
    const cols = inputs.length;
    for (let r = 0; r < outputs.length; r++) {
      const out = outputs[r]!;
      out.fill(0, 0, length);
      for (let c = 0; c < cols; c++) {
        const coef = coefficients[r * cols + c]!;
        if (coef !== 0) mulAdd(tables[coef]!, inputs[c]!, out, length);
      }
    }
  },
};

function mulAdd(table: Uint8Array, input: Uint8Array, out: Uint8Array, length: number): void {
  let i = 0;
  const aligned = input.byteOffset % 4 === 0 && out.byteOffset % 4 === 0;
  if (aligned && length >= 4) {
    const words = length >>> 2;
    const in32 = new Uint32Array(input.buffer, input.byteOffset, words);
    const out32 = new Uint32Array(out.buffer, out.byteOffset, words);
    for (let w = 0; w < words; w++) {
      const v = in32[w]!;
      out32[w]! ^=
        table[v & 0xff]! |
        (table[(v >>> 8) & 0xff]! << 8) |
        (table[(v >>> 16) & 0xff]! << 16) |
        (table[v >>> 24]! << 24);
    }
    i = words << 2;
  }
  for (; i < length; i++) out[i]! ^= table[input[i]!]!;
}
