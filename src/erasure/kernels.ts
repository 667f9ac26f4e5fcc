import type { GfKernel } from './kernel.js';
import { jsKernel } from './kernel-js.js';

/**
 * The fastest kernel this runtime has. (The WebAssembly SIMD kernel plugs in here.)
 *
 * @example
 * ```ts
 * defaultKernel().name; // 'js'
 * ```
 */
export function defaultKernel(): GfKernel {
  return jsKernel;
}
