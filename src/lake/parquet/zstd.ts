/**
 * The ZSTD codec for Parquet pages. Node 22.15+/23.8+ has zstd in node:zlib (native, used when present);
 * elsewhere (Node 20, browsers) `@bokuweb/zstd-wasm`, which is synchronous once loaded, as hyparquet and
 * hyparquet-writer need. Both write standard zstd frames, so files are the same format either way.
 */
import { compress as wasmCompress, decompress as wasmDecompress, init as wasmInit } from '@bokuweb/zstd-wasm';
import { bkError } from '../../errors.js';

/** Synchronous page compression, as hyparquet-writer and hyparquet call it. */
export interface ZstdCodec {
  /** Which implementation runs: `node:zlib` or `wasm`. */
  readonly implementation: 'node:zlib' | 'wasm';
  compress(input: Uint8Array): Uint8Array;
  /** `outputLength` is the page's uncompressed size from its header. */
  decompress(input: Uint8Array, outputLength: number): Uint8Array;
}

interface NodeZstd {
  zstdCompressSync(input: Uint8Array, options?: { params?: Record<number, number> }): Uint8Array;
  zstdDecompressSync(input: Uint8Array): Uint8Array;
  constants: Record<string, number>;
}

let loading: Promise<ZstdCodec> | undefined;

/**
 * Loads the codec once (level 3, DuckDB's and LakeRunner's default).
 *
 * @example
 * ```ts
 * const zstd = await loadZstd();
 * const page = zstd.compress(bytes);
 * ```
 */
export function loadZstd(): Promise<ZstdCodec> {
  loading ??= load();
  return loading;
}

async function load(): Promise<ZstdCodec> {
  const nodeZlib = nodeBuiltin('node:zlib') as Partial<NodeZstd> | undefined;
  if (typeof nodeZlib?.zstdCompressSync === 'function' && typeof nodeZlib.zstdDecompressSync === 'function') {
    const zlib = nodeZlib as NodeZstd;
    const level = zlib.constants.ZSTD_c_compressionLevel;
    const params = level === undefined ? {} : { [level]: 3 };
    return {
      implementation: 'node:zlib',
      compress: (input) => zlib.zstdCompressSync(input, { params }),
      decompress: (input) => guard(() => zlib.zstdDecompressSync(input)),
    };
  }
  await wasmInit();
  return {
    implementation: 'wasm',
    compress: (input) => wasmCompress(input, 3),
    decompress: (input, outputLength) =>
      guard(() => wasmDecompress(input, { defaultHeapSize: outputLength })),
  };
}

function guard(run: () => Uint8Array): Uint8Array {
  try {
    return run();
  } catch (err) {
    throw bkError('Corrupt', 'a Parquet page does not decompress as zstd; the segment is damaged', {
      cause: err,
    });
  }
}

/** A Node built-in module without a static import (so browser bundles never see `node:` specifiers). */
function nodeBuiltin(name: string): unknown {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name);
}
