import { createHash } from 'node:crypto';
import { bkError, throwIfAborted } from '../errors.js';
import { log } from '../logger.js';
import type { PutOptions, StoragePort } from '../storage/index.js';
import { shardChecksum, WRITE_CHECKSUM } from './checksum.js';
import type { ErasureCodec } from './codec.js';
import { CHECKSUM_BYTES, type Manifest, newVersion, shardKey } from './layout.js';
import type { WorkerPool } from './pool.js';
import { sharedFailure } from './port-failures.js';
import { ShardStream } from './shard-stream.js';

export interface WriteContext {
  ports: StoragePort[];
  codec: ErasureCodec;
  blockSize: number;
  writeQuorum: number;
  /** A port that takes no data for this long is given up on (ms). */
  writeTimeoutMs: number;
  /** Hashes the object's ETag (and encodes large blocks) on worker threads. */
  pool?: WorkerPool | undefined;
}

/**
 * Streams a body into shard objects, one per port, block by block. Ports that fail are recorded in
 * the manifest (`written`) instead of failing the write, as long as `writeQuorum` ports succeed.
 * Returns the manifest to commit; nothing is visible until it is written.
 */
export async function writeShards(
  context: WriteContext,
  key: string,
  body: AsyncIterable<Uint8Array>,
  options: PutOptions,
  replaces?: string,
): Promise<Manifest> {
  const { ports, codec, blockSize } = context;
  const k = codec.dataShards;
  const version = newVersion(replaces);
  const checksumOf = await shardChecksum({
    key,
    version,
    blockSize,
    dataShards: k,
    parityShards: codec.parityShards,
    checksum: WRITE_CHECKSUM,
  });
  const sinks = ports.map(() => new ShardStream());
  const failures: unknown[] = ports.map(() => undefined);
  const cancels = ports.map(() => new AbortController());
  const uploads = ports.map((port, i) =>
    port
      .put(shardKey(key, version, i), sinks[i]!.stream, {
        // blocks carry checksums; a shard's ETag is never compared with its bytes, so ports need not hash them
        etag: 'any',
        signal: linked(cancels[i]!.signal, options.signal),
      })
      .then(
        () => true,
        (err) => {
          failures[i] = err;
          log('warn', 'erasure', 'a port failed during a write; heal() will rebuild its shard', {
            key,
            port: port.name,
            error: String(err),
          });
          sinks[i]!.abandon();
          return false;
        },
      ),
  );
  const shardSize = Math.ceil(blockSize / k);
  // Two block slots in the kernel's memory: the body fills one while a worker may still hash the other.
  // A slot holds the block's k data shards back to back, then its m parity shards.
  const arena = codec.allocate(2, shardSize * ports.length);
  const hashed: (Promise<void> | undefined)[] = [undefined, undefined];
  const md5 = context.pool?.md5();
  const local = md5 ? undefined : createHash('md5');
  let slot = 0;
  let blockNumber = 0;
  let size = 0;
  let filled = 0;
  const emit = async (length: number) => {
    const block = arena.shards[slot]!;
    const shardLength = Math.ceil(length / k);
    block.fill(0, length, shardLength * k);
    const shard = (i: number) => block.subarray(i * shardLength, (i + 1) * shardLength);
    const data = Array.from({ length: k }, (_, i) => shard(i));
    const parity = Array.from({ length: codec.parityShards }, (_, j) => shard(k + j));
    if (md5) {
      const done = md5.update(block.subarray(0, length));
      done.catch(() => {}); // awaited before the slot is reused, or through the digest
      hashed[slot] = done;
    } else local!.update(block.subarray(0, length));
    if (context.pool) await context.pool.encode(codec, data, parity);
    else codec.encode(data, parity);
    await Promise.all(
      [...data, ...parity].map((shard, i) => {
        if (failures[i]) return undefined;
        const out = new Uint8Array(shardLength + CHECKSUM_BYTES);
        out.set(shard);
        new DataView(out.buffer).setUint32(shardLength, checksumOf(shard, i, blockNumber));
        return sinks[i]!.push(out, context.writeTimeoutMs).then((taken) => {
          if (taken) return;
          // a hung port must not hold the write: it becomes one of the shards heal() rebuilds
          failures[i] = bkError('Timeout', `${ports[i]!.name} took no data for ${context.writeTimeoutMs} ms`);
          cancels[i]!.abort(failures[i]);
        });
      }),
    );
    slot ^= 1;
    blockNumber++;
    filled = 0;
    await hashed[slot]; // the next slot is free once its bytes are hashed
  };
  let etag: string;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      let offset = 0;
      while (offset < chunk.byteLength) {
        const n = Math.min(blockSize - filled, chunk.byteLength - offset);
        arena.shards[slot]!.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === blockSize) await emit(filled);
      }
    }
    if (filled > 0) await emit(filled);
    throwIfAborted(options.signal);
    etag = md5 ? await md5.digest() : local!.digest('hex');
  } catch (err) {
    md5?.drop();
    for (const sink of sinks) sink.fail(err);
    await Promise.allSettled([...uploads, ...hashed]);
    await removeShards(ports, key, version);
    throw err;
  } finally {
    for (const sink of sinks) sink.close();
    // no worker reads the slots any more: after a digest every update is done, after a failure awaited
    arena.release();
  }
  const written = await Promise.all(uploads);
  const succeeded = written.filter(Boolean).length;
  if (succeeded < context.writeQuorum) {
    await removeShards(ports, key, version);
    const shared = sharedFailure(failures, `writing a shard of "${key}"`, { key });
    if (shared) throw shared;
    throw bkError(
      'Backend',
      `only ${succeeded} of ${ports.length} shard writes of "${key}" succeeded; ${context.writeQuorum} are needed`,
      { cause: failures.find(Boolean), details: { key, retryable: true } },
    );
  }
  return {
    v: 1,
    key,
    version,
    size,
    etag,
    lastModified: Date.now(),
    metadata: { ...options.metadata },
    ...(options.contentType ? { contentType: options.contentType } : {}),
    dataShards: k,
    parityShards: codec.parityShards,
    blockSize,
    checksum: WRITE_CHECKSUM,
    written,
  };
}

/** Best-effort removal of one version's shards from every port (what `heal()` would otherwise collect). */
export async function removeShards(ports: StoragePort[], key: string, version: string): Promise<void> {
  await Promise.allSettled(ports.map((port, i) => port.delete(shardKey(key, version, i))));
}

/** A signal that fires when either does. */
export function linked(own: AbortSignal, outer: AbortSignal | undefined): AbortSignal {
  return outer ? AbortSignal.any([own, outer]) : own;
}
