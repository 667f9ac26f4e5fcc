/**
 * `bucketkit/erasure/codec`: the Reed-Solomon codec alone, for browsers and other runtimes without
 * Node's APIs. The WebAssembly kernel is embedded (base64) and chosen at load time when the runtime
 * validates it, else the TypeScript kernel runs. The erasure port, `heal()` and the worker pool need
 * Node and live in `bucketkit/erasure`.
 *
 * @example
 * ```ts
 * import { createCodec } from 'bucketkit/erasure/codec';
 * const codec = createCodec({ dataShards: 4, parityShards: 2 });
 * const parity = codec.encode(dataShards); // 2 shards
 * ```
 */
export { type CodecOptions, createCodec, type ErasureCodec } from './codec.js';
export type { GfKernel, ShardArena } from './kernel.js';
export { jsKernel } from './kernel-js.js';
export { defaultKernel } from './kernels.js';
