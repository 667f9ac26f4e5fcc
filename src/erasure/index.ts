/**
 * bucketkit/erasure — Reed-Solomon erasure coding across storage ports.
 *
 * @example
 * ```ts
 * import { erasure } from 'bucketkit/erasure';
 * const port = erasure(disks.map((d) => fileStorage(d)), { parity: 2 });
 * ```
 */
export { type CodecOptions, createCodec, type ErasureCodec } from './codec.js';
export { type HealOptions, type HealReport, heal } from './heal.js';
export type { GfKernel, ShardArena } from './kernel.js';
export { jsKernel } from './kernel-js.js';
export { defaultKernel } from './kernels.js';
export { createWorkerPool, type Md5Session, type WorkerPool, type WorkerPoolOptions } from './pool.js';
export { type ErasureOptions, type ErasurePort, erasure } from './storage.js';
