/**
 * One WebAssembly memory with its own instance of kernel.wat: the nibble tables, a header for the
 * coefficients and region tables, then shard regions. An arena never grows after it is created, so views
 * into it are never detached; a bigger need gets a new arena.
 */
import { gfMul } from './gf.js';

/** The exports of kernel.wat. */
interface KernelExports {
  mulMatrix(coef: number, k: number, m: number, ins: number, outs: number, from: number, to: number): void;
}

const TABLES_BYTES = 256 * 32;
const COEF_PTR = TABLES_BYTES;
/** k · m ≤ 128 · 128 since k + m ≤ 256. */
const INS_PTR = COEF_PTR + 128 * 128;
const OUTS_PTR = INS_PTR + 256 * 4;
/**
 * Two i32 words that threads sharing one operation count chunks with (see claimChunks in
 * pool-worker.ts): the generation of the operation in the high 16 bits of each, then the next chunk to
 * claim and the number of chunks done in the low 16 bits.
 */
export const CONTROL_PTR = OUTS_PTR + 256 * 4;
/** Where shard regions start: after the tables, coefficients and region tables, rounded to 4 KiB. */
export const HEADER_BYTES = 32 * 1024;
const PAGE = 65536;
/** Shard regions start at 64-byte boundaries (cache lines). */
export const REGION_ALIGN = 64;
/** wasm32 addresses are 32-bit: 4 GiB in all. */
const MAX_PAGES = 65536;

let tables: Uint8Array | undefined;

/** For each coefficient c: c·x for x = 0..15, then c·(x << 4) for x = 0..15. */
function nibbleTables(): Uint8Array {
  if (!tables) {
    tables = new Uint8Array(TABLES_BYTES);
    for (let c = 0; c < 256; c++) {
      for (let x = 0; x < 16; x++) {
        tables[c * 32 + x] = gfMul(c, x);
        tables[c * 32 + 16 + x] = gfMul(c, x << 4);
      }
    }
  }
  return tables;
}

export const alignUp = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * The distance between consecutive shards of `size` bytes in an arena: an odd number of cache lines.
 * The kernel reads all k inputs and writes all m outputs at the same offset at once; shards a multiple
 * of 4 KiB apart would all fall in the same L1 cache set (more streams than ways) and their stores
 * would alias the loads, which costs about 10 % at 8+3 and 10+4 with 1 MiB shards. An odd stride puts
 * up to 64 shards at distinct offsets modulo 4 KiB.
 */
export function shardStride(size: number): number {
  const stride = alignUp(Math.max(size, 1), REGION_ALIGN);
  return (stride / REGION_ALIGN) % 2 === 0 ? stride + REGION_ALIGN : stride;
}

let arenas = 0;

export class WasmArena {
  /** Unique in this thread: a worker pool keys the instances its workers keep by it. */
  readonly id = ++arenas;
  readonly memory: WebAssembly.Memory;
  /** The whole memory; views handed out are built on `heap.buffer`. */
  readonly heap: Uint8Array;
  /** The two words at CONTROL_PTR, for threads that share an operation on a shared arena. */
  readonly control: Int32Array;
  private readonly words: Uint32Array;
  private readonly kernel: KernelExports;

  /**
   * @param module a build of kernel.wat: its memory import is shared exactly when `shared` is true
   * @param bytes the bytes the arena must hold past its header
   */
  constructor(
    readonly module: WebAssembly.Module,
    readonly shared: boolean,
    bytes: number,
  ) {
    const pages = Math.ceil((HEADER_BYTES + bytes) / PAGE);
    if (pages > MAX_PAGES) throw new RangeError(`${bytes} bytes do not fit a WebAssembly memory (4 GiB)`);
    this.memory = new WebAssembly.Memory(
      shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages },
    );
    this.kernel = new WebAssembly.Instance(module, { env: { memory: this.memory } })
      .exports as unknown as KernelExports;
    this.heap = new Uint8Array(this.memory.buffer);
    this.words = new Uint32Array(this.memory.buffer, 0, HEADER_BYTES / 4);
    this.control = new Int32Array(this.memory.buffer, CONTROL_PTR, 2);
    this.heap.set(nibbleTables());
  }

  /** Bytes available to regions. */
  get capacity(): number {
    return this.heap.byteLength - HEADER_BYTES;
  }

  /** A view of `size` bytes at `offset` past the header. */
  view(offset: number, size: number): Uint8Array {
    return new Uint8Array(this.heap.buffer, HEADER_BYTES + offset, size);
  }

  /** True when every view lies in this arena's memory. */
  holds(views: Uint8Array[]): boolean {
    const buffer = this.heap.buffer;
    return views.every((v) => v.buffer === buffer);
  }

  /**
   * Writes the coefficients and the region tables for views in this memory and returns the arguments
   * of kernel.wat's `mulMatrix` before `from, to` (a worker thread passes them to its own instance).
   */
  prepare(coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[]): KernelArgs {
    const k = inputs.length;
    const m = outputs.length;
    this.heap.set(coefficients.subarray(0, k * m), COEF_PTR);
    inputs.forEach((v, c) => {
      this.words[INS_PTR / 4 + c] = v.byteOffset;
    });
    outputs.forEach((v, r) => {
      this.words[OUTS_PTR / 4 + r] = v.byteOffset;
    });
    return [COEF_PTR, k, m, INS_PTR, OUTS_PTR];
  }

  /** Computes bytes [from, to) of prepared regions; to − from is a positive multiple of 32. */
  run(args: KernelArgs, from: number, to: number): void {
    this.kernel.mulMatrix(...args, from, to);
  }

  /** kernel.wat's mulMatrix on this memory. */
  get mulMatrix(): KernelExports['mulMatrix'] {
    return this.kernel.mulMatrix;
  }
}

/** coef, k, m, ins, outs: the first arguments of kernel.wat's `mulMatrix`. */
export type KernelArgs = [number, number, number, number, number];
