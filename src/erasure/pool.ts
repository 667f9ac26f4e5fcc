/**
 * A pool of worker threads for the erasure codec (Node only: `node:worker_threads`; the codec itself
 * never imports this file, so browser bundles of `createCodec` stay free of it).
 *
 * Encode and reconstruct of shards in a shared arena (`codec.allocate` on a runtime with shared
 * WebAssembly memory) are split by byte range: every worker instantiates kernel.wat over the same
 * memory and computes its slice in place, so nothing is copied or transferred. MD5 sessions hash bytes
 * on a worker while the caller goes on (object ETags off the main thread).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bkError } from '../errors.js';
import { createCodec, type ErasureCodec } from './codec.js';
import type { GfKernel } from './kernel.js';
import type { WasmArena } from './kernel-arena.js';
import { jsKernel } from './kernel-js.js';
import { wasmKernels } from './kernel-wasm.js';
import { WORKER_SOURCE } from './pool-worker.js';

export interface WorkerPoolOptions {
  /** Worker threads; default `os.availableParallelism()`. */
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

/** One kernel call of a codec operation, recorded instead of computed. */
type Call = [coefficients: Uint8Array, inputs: Uint8Array[], outputs: Uint8Array[], length: number];

/** Byte ranges handed to workers start at multiples of this (a page: no shared cache lines). */
const SPLIT_ALIGN = 4096;

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
  const size = options.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1) {
    throw bkError('InvalidArgument', `a worker pool needs a size ≥ 1 (got ${size})`);
  }
  return new Pool(size, options.minBytes ?? 8 * 1024 * 1024);
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (err: unknown) => void }>;
}

class Pool implements WorkerPool {
  private readonly slots: (Slot | undefined)[];
  private readonly planners = new Map<string, { codec: ErasureCodec; calls: Call[] }>();
  private closed = false;
  private nextId = 0;
  private nextSession = 0;

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
    const views = [...inputs, ...outputs];
    let kernel = wasmKernels()[0];
    let arena: WasmArena | undefined;
    for (const candidate of wasmKernels()) {
      arena = candidate.arenaOf(views);
      if (arena) {
        kernel = candidate;
        break;
      }
    }
    const body = length - (length % 32);
    const parts = Math.min(this.size, Math.floor(body / SPLIT_ALIGN));
    if (!kernel || !arena?.shared || this.closed || inputs.length * length < this.minBytes || parts < 2) {
      (kernel ?? jsKernel).mulMatrix(coefficients, inputs, outputs, length);
      return;
    }
    const args = arena.prepare(coefficients, inputs, outputs);
    const step = Math.ceil(body / parts / SPLIT_ALIGN) * SPLIT_ALIGN;
    const { memory, module } = arena;
    const slices: Promise<unknown>[] = [];
    for (let p = 0, from = 0; from < body; p++, from += step) {
      slices.push(this.send(p, { op: 'mul', module, memory, args, from, to: Math.min(from + step, body) }));
    }
    await Promise.all(slices);
    if (body < length) {
      const tail = (v: Uint8Array) => v.subarray(body, length);
      kernel.mulMatrix(coefficients, inputs.map(tail), outputs.map(tail), length - body);
    }
  }

  private send(index: number, task: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const slot = this.slot(index % this.size);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...task, id }, transfer);
    });
  }

  private slot(index: number): Slot {
    let slot = this.slots[index];
    if (slot) return slot;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const pending: Slot['pending'] = new Map();
    slot = { worker, pending };
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
