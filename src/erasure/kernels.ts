import type { GfKernel } from './kernel.js';
import { jsKernel } from './kernel-js.js';
import { wasmKernel } from './kernel-wasm.js';

/**
 * The fastest kernel this runtime has: WebAssembly SIMD (its relaxed-SIMD build where the runtime
 * validates that) when available, else the pure TypeScript one.
 *
 * @example
 * ```ts
 * defaultKernel().name; // 'wasm-simd128' on Node 20; 'wasm-relaxed-simd' with relaxed SIMD; 'js' without SIMD
 * ```
 */
export function defaultKernel(): GfKernel {
  return wasmKernel() ?? jsKernel;
}
