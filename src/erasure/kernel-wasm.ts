import { type GfKernel, plainArena, type ShardArena } from './kernel.js';
import { alignUp, shardStride, WasmArena } from './kernel-arena.js';
import {
  kernelRelaxedSimdBase64,
  kernelRelaxedSimdSharedBase64,
  kernelSimdBase64,
  kernelSimdSharedBase64,
} from './kernel-wasm.generated.js';
import { acceptsRelaxedSimd } from './relaxed-simd.js';

/** The builds of kernel.wat, fastest first, each with its shared-memory twin. */
const VARIANTS = [
  {
    name: 'wasm-relaxed-simd',
    base64: kernelRelaxedSimdBase64,
    shared: kernelRelaxedSimdSharedBase64,
    accepts: acceptsRelaxedSimd,
  },
  {
    name: 'wasm-simd128',
    base64: kernelSimdBase64,
    shared: kernelSimdSharedBase64,
    accepts: (bytes: Uint8Array<ArrayBuffer>) => WebAssembly.validate(bytes),
  },
];

/**
 * Bytes of the k + m shard slices copied in and out per kernel call when shards are ordinary buffers:
 * small enough to stay in L2 cache between the copy and the kernel, large enough to amortize the calls.
 */
export const CHUNK_BUDGET_BYTES = 256 * 1024;
/** Released arenas kept for reuse, and the largest kept. */
const FREE_ARENAS = 4;
const FREE_ARENA_MAX_BYTES = 64 * 1024 * 1024;

/** The WebAssembly kernel, with shard buffers in its memory and a way to find the arena of views. */
export interface WasmKernel extends GfKernel {
  allocate(count: number, size: number): ShardArena;
  /** The arena holding all these views, if they were allocated by this kernel. */
  arenaOf(views: Uint8Array[]): WasmArena | undefined;
}

let supported: WasmKernel[] | undefined;

/**
 * The WebAssembly kernel (split 4-bit tables with `i8x16.swizzle`), or undefined where the runtime has no
 * WebAssembly SIMD (or may not compile WebAssembly, e.g. under a strict Content-Security-Policy). It
 * takes the relaxed-SIMD build where the runtime accepts it (on Node 20 after turning its flag on: see
 * {@link acceptsRelaxedSimd}). Created synchronously once and shared; no Node-only APIs, so it
 * works in browsers too.
 *
 * @example
 * ```ts
 * const kernel = wasmKernel() ?? jsKernel;
 * kernel.mulMatrix(parityRows, dataShards, parityShards, shardSize);
 * ```
 */
export function wasmKernel(): WasmKernel | undefined {
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
export function wasmKernels(): WasmKernel[] {
  if (supported === undefined) {
    supported = [];
    if (typeof WebAssembly === 'object') {
      for (const { name, base64, shared, accepts } of VARIANTS) {
        const bytes = decodeBase64(base64);
        if (!accepts(bytes)) continue;
        try {
          supported.push(instantiate(name, new WebAssembly.Module(bytes), shared));
        } catch {
          // Compiling WebAssembly can be forbidden (CSP without 'wasm-unsafe-eval'): use the next option.
        }
      }
    }
  }
  return supported;
}

/** The shared-memory build, where the runtime has shared memory (browsers: only cross-origin isolated). */
function sharedModule(base64: string): WebAssembly.Module | undefined {
  try {
    if (typeof SharedArrayBuffer !== 'function') return undefined;
    const bytes = decodeBase64(base64);
    if (!WebAssembly.validate(bytes)) return undefined;
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return new WebAssembly.Module(bytes);
  } catch {
    return undefined;
  }
}

function instantiate(name: string, module: WebAssembly.Module, sharedBase64: string): WasmKernel {
  let shared: WebAssembly.Module | null | undefined;
  // the copying path's memory: never handed out, replaced by a bigger one when a call needs it
  let scratch = new WasmArena(module, false, 0);
  const arenas = new WeakMap<ArrayBufferLike, WasmArena>();
  const free: WasmArena[] = [];

  const copying = (coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[], length: number) => {
    const k = inputs.length;
    const m = outputs.length;
    // Each slice region is padded to a multiple of 32 bytes; the kernel's results past `size` are dropped.
    const chunk = Math.min(
      alignUp(length, 32),
      Math.max(32, Math.floor(CHUNK_BUDGET_BYTES / (k + m) / 32) * 32),
    );
    if (scratch.capacity < (k + m) * chunk) scratch = new WasmArena(module, false, (k + m) * chunk);
    const ins = inputs.map((_, c) => scratch.view(c * chunk, chunk));
    const outs = outputs.map((_, r) => scratch.view((k + r) * chunk, chunk));
    const args = scratch.prepare(coefficients, ins, outs);
    for (let start = 0; start < length; start += chunk) {
      const size = Math.min(chunk, length - start);
      for (let c = 0; c < k; c++) ins[c]!.set(inputs[c]!.subarray(start, start + size));
      scratch.run(args, 0, alignUp(size, 32));
      for (let r = 0; r < m; r++) outputs[r]!.set(outs[r]!.subarray(0, size), start);
    }
  };

  const arenaOf = (views: Uint8Array[]): WasmArena | undefined => {
    const arena = views[0] && arenas.get(views[0].buffer);
    return arena?.holds(views) ? arena : undefined;
  };

  return {
    name,
    arenaOf,
    mulMatrix(coefficients, inputs, outputs, length) {
      const k = inputs.length;
      const m = outputs.length;
      if (length <= 0 || m === 0) return;
      if (k === 0) {
        for (const out of outputs) out.fill(0, 0, length);
        return;
      }
      const arena = arenaOf([...inputs, ...outputs]);
      if (!arena) return copying(coefficients, inputs, outputs, length);
      // In place: whole 32-byte blocks where the shards are; the few tail bytes through the copying path.
      const body = length - (length % 32);
      if (body > 0) arena.run(arena.prepare(coefficients, inputs, outputs), 0, body);
      if (body < length) {
        const tail = (v: Uint8Array) => v.subarray(body, length);
        copying(coefficients, inputs.map(tail), outputs.map(tail), length - body);
      }
    },
    allocate(count, size) {
      if (shared === undefined) shared = sharedModule(sharedBase64) ?? null;
      const stride = shardStride(size);
      const bytes = count * stride;
      // the most recently released memory that fits: its pages are likely still in cache
      let reused = free.length - 1;
      while (reused >= 0 && free[reused]!.capacity < bytes) reused--;
      let arena: WasmArena;
      if (reused >= 0) {
        arena = free.splice(reused, 1)[0]!;
      } else {
        try {
          arena = new WasmArena(shared ?? module, shared !== null, bytes);
        } catch {
          // past 4 GiB, or no memory for one more WebAssembly memory: ordinary buffers, with copies
          return plainArena(count, size);
        }
        arenas.set(arena.heap.buffer, arena);
      }
      let released = false;
      return {
        shards: Array.from({ length: count }, (_, i) => arena.view(i * stride, size)),
        release() {
          if (released) return;
          released = true;
          if (free.length < FREE_ARENAS && arena.capacity <= FREE_ARENA_MAX_BYTES) free.push(arena);
        },
      };
    },
  };
}

/** Base64 to bytes with `atob`, which browsers and Node ≥ 16 both have (no `Buffer`). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
