/**
 * A pool of worker threads for the erasure codec (Node only: `node:worker_threads`; the codec itself
 * never imports this file, so browser bundles of `createCodec` stay free of it).
 *
 * Encode and reconstruct of shards in a shared arena (`codec.allocate` on a runtime with shared
 * WebAssembly memory) are split into byte-range chunks that the calling thread and the workers claim
 * from a counter in the arena until none is left (see claimChunks), each worker with its own instance
 * of kernel.wat over the same memory: computed in place, nothing copied or transferred, and a thread
 * that is late or slow simply takes fewer chunks. Per operation a worker gets one small message; the
 * caller never idles, and blocks briefly for the last chunk instead of waiting for a reply. MD5
 * sessions hash bytes on a worker while the caller goes on (object ETags off the main thread).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bkError } from '../errors.js';
import { log } from '../logger.js';
import { createCodec, type ErasureCodec } from './codec.js';
import type { GfKernel } from './kernel.js';
import { CONTROL_PTR, type WasmArena } from './kernel-arena.js';
import { jsKernel } from './kernel-js.js';
import { type WasmKernel, wasmKernels } from './kernel-wasm.js';
import { type ChunkedRun, claimChunks, KEPT_INSTANCES, WORKER_SOURCE } from './pool-worker.js';

export interface WorkerPoolOptions {
  /**
   * Worker threads; default `os.availableParallelism() − 1` (at least 1). A split operation gives the
   * calling thread one share besides the workers', so the default keeps every core busy.
   */
  size?: number;
  /** Operations on fewer data bytes than this (k × shard size) run on the calling thread; default 8 MiB. */
  minBytes?: number;
}

/** Hashes a stream of bytes on one worker, in order, while the caller goes on. */
export interface Md5Session {
  /** Queues bytes; the promise settles once they are hashed (then the memory may be reused). */
  update(bytes: Uint8Array): Promise<void>;
  /** The hex digest of everything queued; ends the session. */
  digest(): Promise<string>;
  /** Ends the session without a digest. */
  drop(): void;
}

export interface WorkerPool {
  readonly size: number;
  /** Operations on fewer data bytes than this run on the calling thread. */
  readonly minBytes: number;
  /** `codec.encode(data, parity)`, split across the workers when the shards allow it (see the module doc). */
  encode(codec: ErasureCodec, data: Uint8Array[], parity: Uint8Array[]): Promise<Uint8Array[]>;
  /** `codec.reconstruct(shards, valid)`, split across the workers when the shards allow it. */
  reconstruct(
    codec: ErasureCodec,
    shards: (Uint8Array | undefined)[],
    valid?: boolean[],
  ): Promise<Uint8Array[]>;
  md5(): Md5Session;
  /** Stops the workers; later calls compute on the calling thread. */
  close(): Promise<void>;
}

/** The shard arena of one of this runtime's WebAssembly kernels that holds `views`, if any. */
function arenaOf(...views: Uint8Array[]): { kernel: WasmKernel; arena: WasmArena } | undefined {
  for (const kernel of wasmKernels()) {
    const arena = kernel.arenaOf(views);
    if (arena) return { kernel, arena };
  }
  return undefined;
}

/** One kernel call of a codec operation, recorded instead of computed. */
type Call = [coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[], length: number];

/** Chunks of a split operation start at multiples of this (a page: no shared cache lines). */
const SPLIT_ALIGN = 4096;
/**
 * Chunks per thread of a split operation: enough that a thread slowed by other load hands chunks to the
 * others, few enough that claiming them costs nothing (an 8 MiB object: 8 chunks of ~0.1 ms per thread).
 */
const CHUNKS_PER_THREAD = 8;
/** How long the calling thread blocks for workers' last chunks before it awaits their replies instead. */
const MAX_BLOCK_MS = 2;

/**
 * Creates a worker pool. Workers start on first use and are unref'd while idle, so the pool never keeps
 * the process alive; `close()` stops them.
 *
 * @example
 * ```ts
 * const pool = createWorkerPool();
 * const arena = rs.allocate(6, 4 << 20);
 * await pool.encode(rs, arena.shards.slice(0, 4), arena.shards.slice(4));
 * await pool.close();
 * ```
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = options.size ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(size) || size < 1) {
    throw bkError('InvalidArgument', `a worker pool needs a size ≥ 1 (got ${size})`);
  }
  return new Pool(size, options.minBytes ?? 8 * 1024 * 1024);
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (err: unknown) => void }>;
  /** Ids of the arenas the worker keeps an instance for, in the order it evicts them. */
  attached: number[];
}

class Pool implements WorkerPool {
  private readonly slots: (Slot | undefined)[];
  private readonly planners = new Map<string, { codec: ErasureCodec; calls: Call[] }>();
  private closed = false;
  private nextId = 0;
  private nextSession = 0;
  private readonly watched = new WeakSet<WasmArena>();
  /** Tells workers to drop their instance of an arena once the caller's arena is collected. */
  private readonly forgotten = new FinalizationRegistry<number>((arena) => {
    for (const slot of this.slots) {
      const at = slot?.attached.indexOf(arena) ?? -1;
      if (at < 0) continue;
      slot!.attached.splice(at, 1);
      slot!.worker.postMessage({ op: 'forget', arena });
    }
  });

  constructor(
    readonly size: number,
    readonly minBytes: number,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  async encode(codec: ErasureCodec, data: Uint8Array[], parity: Uint8Array[]): Promise<Uint8Array[]> {
    const planner = this.planner(codec);
    planner.codec.encode(data, parity);
    await this.play(planner.calls.splice(0));
    return parity;
  }

  async reconstruct(
    codec: ErasureCodec,
    shards: (Uint8Array | undefined)[],
    valid?: boolean[],
  ): Promise<Uint8Array[]> {
    const planner = this.planner(codec);
    const whole = planner.codec.reconstruct(shards, valid);
    // the parity call reads data shards that the data call rebuilds: run them in order
    await this.play(planner.calls.splice(0));
    return whole;
  }

  md5(): Md5Session {
    const session = this.nextSession++;
    const slot = session % this.size;
    let done = false;
    // a closed pool hashes on the calling thread
    const local = this.closed ? createHash('md5') : undefined;
    return {
      update: async (bytes) => {
        if (local) return void local.update(bytes);
        const shared = bytes.buffer instanceof SharedArrayBuffer;
        // an ordinary buffer is copied once and the copy moved (the caller may reuse its buffer at once)
        const buffer = shared ? bytes.buffer : bytes.slice().buffer;
        const ranges = [[shared ? bytes.byteOffset : 0, bytes.byteLength]];
        await this.send(slot, { op: 'md5', session, buffer, ranges }, shared ? [] : [buffer as ArrayBuffer]);
      },
      digest: async () => {
        done = true;
        if (local) return local.digest('hex');
        return (await this.send(slot, { op: 'digest', session })) as string;
      },
      drop: () => {
        if (done || local) return;
        done = true;
        this.send(slot, { op: 'drop', session }).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot, i) => {
        this.slots[i] = undefined;
        if (slot) await slot.worker.terminate();
      }),
    );
  }

  /** A codec of the same shape whose kernel records its calls, so the pool can run them in slices. */
  private planner(codec: ErasureCodec) {
    const id = `${codec.dataShards}+${codec.parityShards}`;
    let planner = this.planners.get(id);
    if (!planner) {
      const calls: Call[] = [];
      const recorder: GfKernel = {
        name: 'recorder',
        mulMatrix: (coefficients, inputs, outputs, length) => {
          calls.push([coefficients.slice(), inputs, outputs, length]);
        },
      };
      const shape = { dataShards: codec.dataShards, parityShards: codec.parityShards, kernel: recorder };
      planner = { codec: createCodec(shape), calls };
      this.planners.set(id, planner);
    }
    return planner;
  }

  private async play(calls: Call[]): Promise<void> {
    for (const call of calls) await this.run(...call);
  }

  private async run(coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[], length: number) {
    const found = arenaOf(...inputs, ...outputs);
    const kernel = found?.kernel ?? wasmKernels()[0];
    const arena = found?.arena;
    const body = length - (length % 32);
    const chunks = Math.min((this.size + 1) * CHUNKS_PER_THREAD, Math.floor(body / SPLIT_ALIGN));
    if (!kernel || !arena?.shared || this.closed || inputs.length * length < this.minBytes || chunks < 2) {
      (kernel ?? jsKernel).mulMatrix(coefficients, inputs, outputs, length);
      return;
    }
    const args = arena.prepare(coefficients, inputs, outputs);
    const step = Math.ceil(body / chunks / SPLIT_ALIGN) * SPLIT_ALIGN;
    const control = arena.control;
    const gen = ((Atomics.load(control, 0) >>> 16) + 1) & 0x7fff;
    Atomics.store(control, 0, gen << 16);
    Atomics.store(control, 1, gen << 16);
    const run: ChunkedRun = { gen, args, step, end: body, chunks: Math.ceil(body / step) };
    const workers = Math.min(this.size, run.chunks - 1);
    const tasks = Array.from({ length: workers }, (_, p) => this.mul(p, arena, run));
    // the workers are told: claim chunks here too, meanwhile, then compute the tail
    claimChunks(control, arena.mulMatrix, run);
    if (body < length) {
      const tail = (v: Uint8Array) => v.subarray(body, length);
      kernel.mulMatrix(coefficients, inputs.map(tail), outputs.map(tail), length - body);
    }
    // Every chunk is claimed: a worker may still compute its last one (a fraction of a millisecond).
    // Blocking for it is cheaper than its reply's trip through the event loop; a worker that takes
    // longer (descheduled, or gone) is awaited the ordinary way.
    const deadline = performance.now() + MAX_BLOCK_MS;
    for (let word = Atomics.load(control, 1); (word & 0xffff) < run.chunks; word = Atomics.load(control, 1)) {
      if (performance.now() > deadline) {
        await Promise.all(tasks);
        break;
      }
      Atomics.wait(control, 1, word, MAX_BLOCK_MS);
    }
    for (const task of tasks) {
      // a worker that came late replies late; a failure then cost nothing but is worth knowing
      task.catch((err: unknown) => {
        log('warn', 'erasure', 'an erasure worker failed; the calling thread computed its share', {
          error: String(err),
        });
      });
    }
    if ((Atomics.load(control, 1) & 0xffff) < run.chunks) {
      throw bkError('Backend', 'an erasure worker stopped before computing its share; try again');
    }
  }

  /** A chunked operation on worker `index`. */
  private mul(index: number, arena: WasmArena, run: ChunkedRun): Promise<unknown> {
    return this.send(index, this.attach(index, arena, { op: 'mul', ...run }));
  }

  /**
   * `task` naming `arena`, plus the module and memory when worker `index` does not keep an instance
   * of it yet (the worker's eviction order is mirrored in `attached`).
   */
  private attach(index: number, arena: WasmArena, task: Record<string, unknown>): Record<string, unknown> {
    const slot = this.slot(index % this.size);
    const named = { ...task, arena: arena.id };
    if (slot.attached.includes(arena.id)) return named;
    slot.attached.push(arena.id);
    if (slot.attached.length > KEPT_INSTANCES) slot.attached.shift();
    if (!this.watched.has(arena)) {
      this.watched.add(arena);
      this.forgotten.register(arena, arena.id);
    }
    return { ...named, module: arena.module, memory: arena.memory, control: CONTROL_PTR };
  }

  private send(index: number, task: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const slot = this.slot(index % this.size);
    const id = this.nextId++;
    const sent = new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...task, id }, transfer);
    });
    if (task.memory === undefined) return sent;
    return sent.catch((err: unknown) => {
      // the worker may not have kept the instance: attach the arena again next time
      slot.attached = slot.attached.filter((arena) => arena !== task.arena);
      throw err;
    });
  }

  private slot(index: number): Slot {
    let slot = this.slots[index];
    if (slot) return slot;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const pending: Slot['pending'] = new Map();
    slot = { worker, pending, attached: [] };
    this.slots[index] = slot;
    worker.on('message', (reply: { id: number; result?: unknown; error?: string }) => {
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.error) waiter?.reject(bkError('Backend', `an erasure worker failed: ${reply.error}`));
      else waiter?.resolve(reply.result);
    });
    const fail = (cause: unknown) => {
      if (this.slots[index] === slot) this.slots[index] = undefined;
      for (const waiter of pending.values()) {
        waiter.reject(bkError('Backend', 'an erasure worker stopped; the pool starts a new one', { cause }));
      }
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return slot;
  }
}
