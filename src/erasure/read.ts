import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import { concatBytes, type StoragePort } from '../storage/index.js';
import { shardChecksum } from './checksum.js';
import type { ErasureCodec } from './codec.js';
import { CHECKSUM_BYTES, geometry, type Manifest, shardKey } from './layout.js';
import type { WorkerPool } from './pool.js';
import { sharedFailure } from './port-failures.js';

export interface ReadContext {
  ports: StoragePort[];
  codec: ErasureCodec;
  /** Start reading parity when a data shard has not answered after this long (ms). */
  hedgeAfterMs: number;
  /** Give up on ports that have not answered after this long (ms). */
  readTimeoutMs: number;
  /** Rebuilds large blocks on worker threads. */
  pool?: WorkerPool | undefined;
}

/**
 * Reads blocks `first..last` of an object and returns their bytes. Data shards are read first; parity
 * is read when a data shard fails, is slow, or has a block whose checksum does not match (damaged, or
 * not this block of this shard of this version), and the missing data is rebuilt. Throws `Corrupt` when fewer than k good shards remain for some block.
 */
export async function readBlocks(
  context: ReadContext,
  manifest: Manifest,
  first: number,
  last: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return concatBytes(await readBlockChunks(context, manifest, first, last, signal));
}

/**
 * `readBlocks` as the chunks the object's bytes are made of, in order, without joining them: views of
 * the shard bytes as read where no block needed rebuilding.
 */
export async function readBlockChunks(
  context: ReadContext,
  manifest: Manifest,
  first: number,
  last: number,
  signal?: AbortSignal,
): Promise<Uint8Array[]> {
  const { ports, codec } = context;
  const k = codec.dataShards;
  const n = ports.length;
  const g = geometry(manifest.size, manifest.blockSize, k);
  const start = g.shardOffset(first);
  const end = g.shardOffset(last) + g.shardLength(last) + CHECKSUM_BYTES - 1;
  const checksumOf = await shardChecksum(manifest);
  const good: (Uint8Array | undefined)[][] = Array.from({ length: n }, () => []);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const started = new Set<number>();
  const settled = new Set<number>();
  /** What each port that failed to answer threw. */
  const failures: unknown[] = [];
  let wake: () => void = () => {};

  const fetchShard = async (i: number) => {
    try {
      if (!manifest.written[i]) return;
      const got = await ports[i]!.get(shardKey(manifest.key, manifest.version, i), {
        range: { start, end },
        signal: controller.signal,
      });
      const bytes = await got.bytes();
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let b = first; b <= last; b++) {
        const offset = g.shardOffset(b) - start;
        const length = g.shardLength(b);
        if (offset + length + CHECKSUM_BYTES > bytes.byteLength) break;
        const slice = bytes.subarray(offset, offset + length);
        if (checksumOf(slice, i, b) === view.getUint32(offset + length)) good[i]![b] = slice;
      }
    } catch (err) {
      // a failed, hanging or lying port is one of the m the code tolerates
      if (!controller.signal.aborted) failures[i] = err;
    } finally {
      settled.add(i);
      wake();
    }
  };
  const launch = (i: number) => {
    if (!started.has(i)) {
      started.add(i);
      void fetchShard(i);
    }
  };
  const blockReady = (b: number) => good.filter((shard) => shard[b]).length >= k;
  const allReady = () => {
    for (let b = first; b <= last; b++) if (!blockReady(b)) return false;
    return true;
  };
  const dataComplete = () => {
    for (let i = 0; i < k; i++) for (let b = first; b <= last; b++) if (!good[i]![b]) return false;
    return true;
  };
  const waitFor = (done: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        wake = () => {};
        resolve();
      }
      wake = () => {
        if (done()) finish();
      };
      wake();
    });

  try {
    for (let i = 0; i < k; i++) launch(i);
    await waitFor(() => dataComplete() || [...started].every((i) => settled.has(i)), context.hedgeAfterMs);
    if (!dataComplete()) for (let i = k; i < n; i++) launch(i);
    await waitFor(() => allReady() || settled.size === started.size, context.readTimeoutMs);
    throwIfAborted(signal);
    if (!allReady()) {
      // every port down alike (not a shard missing or cut short, which is damage): say so, not Corrupt
      const shared =
        failures.filter(Boolean).length === n
          ? sharedFailure(failures, `reading the shards of "${manifest.key}"`, { key: manifest.key })
          : undefined;
      if (shared && !BucketkitError.is(shared, 'NotFound', 'InvalidRange')) throw shared;
      throw bkError(
        'Corrupt',
        `"${manifest.key}": fewer than ${k} intact shards remain for some block; run heal() or restore`,
        {
          details: { key: manifest.key },
        },
      );
    }
  } finally {
    controller.abort();
    signal?.removeEventListener('abort', onAbort);
  }
  return assemble(codec, good, g, first, last, context.pool);
}

async function assemble(
  codec: ErasureCodec,
  good: (Uint8Array | undefined)[][],
  g: ReturnType<typeof geometry>,
  first: number,
  last: number,
  pool: WorkerPool | undefined,
): Promise<Uint8Array[]> {
  const k = codec.dataShards;
  const out: Uint8Array[] = [];
  for (let b = first; b <= last; b++) {
    let shards = good.map((shard) => shard[b]);
    if (shards.slice(0, k).some((s) => !s)) {
      shards =
        pool && k * g.shardLength(b) >= pool.minBytes
          ? await rebuildOnWorkers(codec, pool, shards, g.shardLength(b))
          : codec.reconstruct(shards);
    }
    const length = g.blockLength(b);
    for (let i = 0; i < k; i++) {
      const take = Math.max(0, Math.min(g.shardLength(b), length - i * g.shardLength(b)));
      if (take > 0) out.push(shards[i]!.subarray(0, take));
    }
  }
  return out;
}

/** Rebuilds a large block on the pool's workers: the shards go into shared memory, computed there in place. */
async function rebuildOnWorkers(
  codec: ErasureCodec,
  pool: WorkerPool,
  shards: (Uint8Array | undefined)[],
  length: number,
): Promise<Uint8Array[]> {
  const arena = codec.allocate(shards.length, length);
  try {
    const valid = shards.map((shard, i) => {
      if (shard) arena.shards[i]!.set(shard);
      return shard !== undefined;
    });
    await pool.reconstruct(codec, arena.shards, valid);
    return arena.shards.slice(0, codec.dataShards).map((shard) => shard.slice());
  } finally {
    arena.release();
  }
}
