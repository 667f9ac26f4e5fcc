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
  /**
   * `count` buffers of `size` bytes where this kernel computes without copying (for WebAssembly: in its
   * linear memory). Kernels without such memory leave it out, and plain buffers are used.
   */
  allocate?(count: number, size: number): ShardArena;
}

/**
 * Shard buffers that live where the kernel computes, so encode and reconstruct skip copying them in and
 * out. The views stay valid (never detached) until `release()`; after it they must not be used.
 */
export interface ShardArena {
  readonly shards: Uint8Array[];
  /** Gives the memory back for reuse by the next `allocate`. */
  release(): void;
}

/** Plain buffers, for kernels that compute on any memory. */
export function plainArena(count: number, size: number): ShardArena {
  return { shards: Array.from({ length: count }, () => new Uint8Array(size)), release: () => {} };
}
