/**
 * Node 20 keeps relaxed SIMD behind a V8 flag; the kernel turns it on (the flag only widens what
 * WebAssembly accepts) unless BUCKETKIT_RELAXED_SIMD=0. Both builds are checked byte for byte against the
 * js kernel in kernel-wasm.test.ts; this file checks which one a process picks.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { wasmKernels } from '../../src/erasure/kernel-wasm.js';
import { defaultKernel } from '../../src/erasure/kernels.js';

const run = promisify(execFile);
const kernels = join(import.meta.dirname, '..', '..', 'src', 'erasure', 'kernels.ts');

async function kernelNameInChild(env: Record<string, string>): Promise<string> {
  const script = `import { defaultKernel } from ${JSON.stringify(kernels)}; console.log(defaultKernel().name);`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout.trim();
}

describe('relaxed SIMD on Node', () => {
  it('is the default kernel, with the strict SIMD128 build still available', () => {
    expect(defaultKernel().name).toBe('wasm-relaxed-simd');
    expect(wasmKernels().map((kernel) => kernel.name)).toEqual(['wasm-relaxed-simd', 'wasm-simd128']);
  });

  it('is picked by a fresh process, and left off with BUCKETKIT_RELAXED_SIMD=0', async () => {
    const [on, off] = await Promise.all([
      kernelNameInChild({}),
      kernelNameInChild({ BUCKETKIT_RELAXED_SIMD: '0' }),
    ]);
    const major = Number(process.versions.node.split('.')[0]);
    expect(on).toBe('wasm-relaxed-simd');
    // From Node 22 relaxed SIMD is on by default, so there is no flag to leave off.
    expect(off).toBe(major === 20 ? 'wasm-simd128' : 'wasm-relaxed-simd');
  });
});
