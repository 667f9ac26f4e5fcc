/**
 * A GF(2^8) matrix-times-regions kernel: the one hot loop of the codec. Implementations: WebAssembly
 * SIMD128 (split 4-bit tables and `i8x16.swizzle`) and this pure TypeScript fallback.
 */
export interface GfKernel {
  readonly name: string;
  /**
   * outputs[r][i] = XOR over c of coefficients[r * inputs.length + c] · inputs[c][i], for i < length.
   * Outputs are overwritten, not accumulated into.
   */
  mulMatrix(coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[], length: number): void;
}
