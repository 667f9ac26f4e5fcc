/** What this file reads of Node's `process`, typed locally so the browser build needs no Node types. */
interface NodeProcessLike {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

interface V8Like {
  setFlagsFromString(flags: string): void;
}

/**
 * Whether the runtime accepts a relaxed-SIMD module, turning relaxed SIMD on first where that is safe.
 *
 * Node 20's V8 (11.3) implements relaxed SIMD completely (it is the version Chrome shipped on by default
 * one release later, and Node 22 has it on by default) but keeps it behind
 * `--experimental-wasm-relaxed-simd`. The flag only widens what `WebAssembly.validate` accepts, and the
 * kernel's `i8x16.relaxed_swizzle` only ever sees indices below 16, where relaxed and strict swizzle
 * agree; it saves the fix-up V8 adds before every strict swizzle (about 1.3–1.4× on the codec).
 * So on Node 20 the flag is set once, unless `BUCKETKIT_RELAXED_SIMD=0` is in the environment.
 * Browsers and other runtimes are never touched.
 *
 * @example
 * ```ts
 * if (!acceptsRelaxedSimd(relaxedModuleBytes)) useStrictSimdBuild();
 * ```
 */
export function acceptsRelaxedSimd(moduleBytes: Uint8Array<ArrayBuffer>): boolean {
  if (WebAssembly.validate(moduleBytes)) return true;
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  if (proc?.env?.BUCKETKIT_RELAXED_SIMD === '0') return false;
  if (proc?.versions?.node?.split('.')[0] !== '20') return false;
  const v8 = proc.getBuiltinModule?.('node:v8') as V8Like | undefined;
  if (typeof v8?.setFlagsFromString !== 'function') return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(moduleBytes);
}
