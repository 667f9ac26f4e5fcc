import { gfMul } from './gf.js';
import type { GfKernel } from './kernel.js';
import { kernelRelaxedSimdBase64, kernelSimdBase64 } from './kernel-wasm.generated.js';

/** The exports of kernel.wat. */
interface KernelExports {
  memory: WebAssembly.Memory;
  mulMatrix(
    coef: number,
    k: number,
    m: number,
    input: number,
    output: number,
    stride: number,
    n: number,
  ): void;
}

/** The builds of kernel.wat, fastest first. */
const VARIANTS = [
  { name: 'wasm-relaxed-simd', base64: kernelRelaxedSimdBase64 },
  { name: 'wasm-simd128', base64: kernelSimdBase64 },
];

/** Bytes of the nibble tables at the start of linear memory: 32 per coefficient. */
const TABLES_BYTES = 256 * 32;
const PAGE = 65536;
/**
 * Bytes of the k + m shard slices copied in and out per kernel call: small enough to stay in L2 cache
 * between the copy and the kernel, large enough to amortize the per-slice calls.
 */
export const CHUNK_BUDGET_BYTES = 256 * 1024;

let supported: GfKernel[] | undefined;

/**
 * The WebAssembly kernel (split 4-bit tables with `i8x16.swizzle`), or undefined where the runtime has no
 * WebAssembly SIMD (or may not compile WebAssembly, e.g. under a strict Content-Security-Policy). It
 * takes the relaxed-SIMD build where the runtime validates it (Node 20 only with
 * `--experimental-wasm-relaxed-simd`). Created synchronously once and shared; no Node-only APIs, so it
 * works in browsers too.
 *
 * @example
 * ```ts
 * const kernel = wasmKernel() ?? jsKernel;
 * kernel.mulMatrix(parityRows, dataShards, parityShards, shardSize);
 * ```
 */
export function wasmKernel(): GfKernel | undefined {
  return wasmKernels()[0];
}

/**
 * Every build of the WebAssembly kernel this runtime supports, fastest first (for tests and benchmarks).
 *
 * @example
 * ```ts
 * for (const kernel of wasmKernels()) console.log(kernel.name);
 * ```
 */
export function wasmKernels(): GfKernel[] {
  if (supported === undefined) {
    supported = [];
    if (typeof WebAssembly === 'object') {
      for (const { name, base64 } of VARIANTS) {
        const bytes = decodeBase64(base64);
        if (!WebAssembly.validate(bytes)) continue;
        try {
          supported.push(instantiate(name, bytes));
        } catch {
          // Compiling WebAssembly can be forbidden (CSP without 'wasm-unsafe-eval'): use the next option.
        }
      }
    }
  }
  return supported;
}

function instantiate(name: string, bytes: Uint8Array<ArrayBuffer>): GfKernel {
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as KernelExports;
  let heap = new Uint8Array(wasm.memory.buffer);
  heap.set(nibbleTables());

  const reserve = (bytes: number) => {
    if (bytes > heap.byteLength) {
      wasm.memory.grow(Math.ceil((bytes - heap.byteLength) / PAGE));
      heap = new Uint8Array(wasm.memory.buffer);
    }
  };

  return {
    name,
    mulMatrix(coefficients, inputs, outputs, length) {
      const k = inputs.length;
      const m = outputs.length;
      if (length <= 0 || m === 0) return;
      if (k === 0) {
        for (const out of outputs) out.fill(0, 0, length);
        return;
      }
      // Each slice region is padded to a multiple of 32 bytes; the kernel's results past `size` are dropped.
      const chunk = Math.min(
        align32(length),
        Math.max(32, Math.floor(CHUNK_BUDGET_BYTES / (k + m) / 32) * 32),
      );
      const coefPtr = TABLES_BYTES;
      const inPtr = coefPtr + align32(k * m);
      const outPtr = inPtr + k * chunk;
      reserve(outPtr + m * chunk);
      heap.set(coefficients.subarray(0, k * m), coefPtr);
      for (let start = 0; start < length; start += chunk) {
        const size = Math.min(chunk, length - start);
        for (let c = 0; c < k; c++) heap.set(inputs[c]!.subarray(start, start + size), inPtr + c * chunk);
        wasm.mulMatrix(coefPtr, k, m, inPtr, outPtr, chunk, align32(size));
        for (let r = 0; r < m; r++) {
          const from = outPtr + r * chunk;
          outputs[r]!.set(heap.subarray(from, from + size), start);
        }
      }
    },
  };
}

/** For each coefficient c: c·x for x = 0..15, then c·(x << 4) for x = 0..15. */
function nibbleTables(): Uint8Array {
  const tables = new Uint8Array(TABLES_BYTES);
  for (let c = 0; c < 256; c++) {
    for (let x = 0; x < 16; x++) {
      tables[c * 32 + x] = gfMul(c, x);
      tables[c * 32 + 16 + x] = gfMul(c, x << 4);
    }
  }
  return tables;
}

function align32(n: number): number {
  return Math.ceil(n / 32) * 32;
}

/** Base64 to bytes with `atob`, which browsers and Node ≥ 16 both have (no `Buffer`). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
