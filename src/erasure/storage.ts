import { bkError, throwIfAborted } from '../errors.js';
import type {
  Abortable,
  Body,
  CopyOptions,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from '../storage/index.js';
import {
  assertValidMetadata,
  checkPreconditions,
  chunksOf,
  deleteEach,
  objectInfoOf,
} from '../storage/index.js';
import { createCodec, type ErasureCodec } from './codec.js';
import { type Manifest, newVersion } from './layout.js';
import { listErasure } from './list.js';
import { chooseManifest, type ManifestChoice, newestVote, throwUndecided } from './manifest-quorum.js';
import { readManifests, writeManifests } from './manifests.js';
import { createWorkerPool, type WorkerPool } from './pool.js';
import { sharedFailure } from './port-failures.js';
import type { ReadContext } from './read.js';
import { readObject } from './read-object.js';
import { removeShards, type WriteContext, writeShards } from './write.js';

export interface ErasureOptions {
  /** Data shards k; default `ports.length - parity`. */
  data?: number;
  /** Parity shards m: how many ports may fail. Default 2. */
  parity?: number;
  /** Objects are striped in blocks of this many bytes (default 1 MiB). */
  blockSize?: number;
  /** Ports that must take a write for it to succeed (default k, or k + 1 when k = m). */
  writeQuorum?: number;
  /** Start parity reads when a data shard is slower than this (ms, default 500). */
  hedgeAfterMs?: number;
  /** Give up on a port after this long (ms, default 30 000). */
  readTimeoutMs?: number;
  /** Give up on a port that takes no write data for this long (ms, default 30 000); heal() rebuilds its shard. */
  writeTimeoutMs?: number;
  /** Blocks fetched per round trip when streaming a read (default 8). */
  blocksPerRead?: number;
  /**
   * Worker threads for CPU work: `true` for a pool of `os.availableParallelism()` workers that this port
   * starts on first use and stops in `close()`, or a pool of your own (shared between ports; you close
   * it). Object ETags are then hashed on a worker, and encoding and rebuilding of blocks of 8 MiB or more
   * is split across the workers. Default: everything on the calling thread.
   */
  workers?: boolean | WorkerPool;
}

export interface ErasurePort extends StoragePort {
  readonly codec: ErasureCodec;
  readonly ports: StoragePort[];
  /** The worker pool in use (option `workers`), if any. */
  readonly pool: WorkerPool | undefined;
  /** Stops the worker pool this port started (option `workers: true`); the inner ports stay open. */
  close(): Promise<void>;
}

/**
 * A StoragePort that stripes every object across `ports` with Reed-Solomon coding: any `parity` ports
 * may fail, hang or return damaged bytes and every object still reads byte-exact.
 *
 * @example
 * ```ts
 * const port = erasure([1, 2, 3, 4, 5, 6].map((i) => fileStorage(`/disks/${i}`)), { parity: 2 });
 * await port.put('video.mp4', stream);
 * ```
 */
export function erasure(ports: StoragePort[], options: ErasureOptions = {}): ErasurePort {
  return new ErasureStorage(ports, options);
}

class ErasureStorage implements ErasurePort {
  readonly name: string;
  readonly codec: ErasureCodec;
  readonly pool: WorkerPool | undefined;
  private readonly ownsPool: boolean;
  private readonly write: WriteContext;
  private readonly read: ReadContext;
  private readonly blocksPerRead: number;

  constructor(
    readonly ports: StoragePort[],
    options: ErasureOptions,
  ) {
    const parity = options.parity ?? 2;
    const data = options.data ?? ports.length - parity;
    if (data + parity !== ports.length) {
      throw bkError(
        'InvalidArgument',
        `data (${data}) + parity (${parity}) must equal the number of ports (${ports.length})`,
      );
    }
    this.codec = createCodec({ dataShards: data, parityShards: parity });
    const blockSize = options.blockSize ?? 1024 * 1024;
    const writeQuorum = options.writeQuorum ?? (data === parity ? data + 1 : data);
    if (writeQuorum < data || writeQuorum > ports.length) {
      throw bkError('InvalidArgument', `writeQuorum must be between ${data} and ${ports.length}`);
    }
    this.ownsPool = options.workers === true;
    this.pool = options.workers === true ? createWorkerPool() : options.workers || undefined;
    this.write = {
      ports,
      codec: this.codec,
      blockSize,
      writeQuorum,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      pool: this.pool,
    };
    this.read = {
      ports,
      codec: this.codec,
      pool: this.pool,
      hedgeAfterMs: options.hedgeAfterMs ?? 500,
      readTimeoutMs: options.readTimeoutMs ?? 30_000,
    };
    this.blocksPerRead = options.blocksPerRead ?? 8;
    this.name = `erasure(${data}+${parity}):[${ports.map((p) => p.name).join(', ')}]`;
  }

  private votes(key: string, options: Abortable) {
    return readManifests(this.ports, key, {
      ...(options.signal ? { signal: options.signal } : {}),
      quorum: this.ports.length - this.codec.parityShards,
      graceMs: this.read.hedgeAfterMs,
    });
  }

  /** The manifest the ports agree on (chooseManifest), or undefined when they agree on none. */
  private async agreed(key: string, options: Abortable): Promise<ManifestChoice | undefined> {
    return chooseManifest(await this.votes(key, options), this.codec.parityShards + 1);
  }

  private manifestWrite(options: Abortable) {
    return { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: this.write.writeTimeoutMs };
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool?.close();
  }

  async capabilities(): Promise<StorageCapabilities> {
    return {
      conditionalWrites: false,
      multipart: false,
      presign: false,
      notes: ['conditional writes need a consensus across ports that erasure() does not run yet'],
    };
  }

  private refuseConditions(key: string, options: { ifNoneMatch?: '*'; ifMatch?: string }): void {
    if (options.ifNoneMatch !== undefined || options.ifMatch !== undefined) {
      throw bkError('Unsupported', `${this.name} does not enforce conditional writes`, { details: { key } });
    }
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    this.refuseConditions(key, options);
    checkKey(key);
    assertValidMetadata(options.metadata);
    // a key whose manifests agree on nothing is overwritten all the same; heal() collects what it held
    const before = (await this.agreed(key, options))?.manifest;
    const manifest = await writeShards(this.write, key, chunksOf(body, options), options, before?.version);
    const { written: committed, errors } = await writeManifests(
      this.ports,
      manifest,
      this.manifestWrite(options),
    );
    if (committed < this.write.writeQuorum) {
      throw (
        (committed === 0 && sharedFailure(errors, `writing the manifest of "${key}"`, { key })) ||
        bkError('Backend', `"${key}" was written to only ${committed} ports' manifests; run heal()`, {
          details: { key, retryable: true },
        })
      );
    }
    if (before && !before.deleted) await removeShards(this.ports, key, before.version);
    return { etag: manifest.etag, size: manifest.size };
  }

  /**
   * The manifest at least m + 1 ports agree on (see manifest-quorum.ts), read from the first n − m ports
   * to answer and any others within `hedgeAfterMs`.
   */
  private async current(key: string, options: Abortable): Promise<Manifest> {
    checkKey(key);
    const votes = await this.votes(key, options);
    const agree = this.codec.parityShards + 1;
    const { manifest } = chooseManifest(votes, agree) ?? throwUndecided(key, votes, agree);
    if (!manifest || manifest.deleted) {
      throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    }
    if (manifest.dataShards !== this.codec.dataShards || manifest.parityShards !== this.codec.parityShards) {
      throw bkError(
        'InvalidArgument',
        `"${key}" was written as ${manifest.dataShards}+${manifest.parityShards} shards; ${this.name} reads ${this.codec.dataShards}+${this.codec.parityShards}`,
        { details: { key } },
      );
    }
    return manifest;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    return readObject(this.read, this.blocksPerRead, await this.current(key, options), options);
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    return objectInfoOf(await this.current(key, options));
  }

  list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    return listErasure(this.ports, options, {
      parity: this.codec.parityShards,
      graceMs: this.read.hedgeAfterMs,
      timeoutMs: this.read.readTimeoutMs,
    });
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    checkKey(key);
    throwIfAborted(options.signal);
    const votes = await this.votes(key, options);
    const agree = this.codec.parityShards + 1;
    const choice = chooseManifest(votes, agree);
    // manifests that agree on nothing are deleted too: the tombstone is newer than any of them
    const before = choice ? choice.manifest : (newestVote(votes) ?? throwUndecided(key, votes, agree));
    if (!before || before.deleted) return;
    // a tombstone, not a removal: a port that misses the delete must not bring the object back
    const tombstone: Manifest = {
      ...before,
      version: newVersion(before.version),
      deleted: true,
      size: 0,
      metadata: {},
    };
    const { written: committed, errors } = await writeManifests(
      this.ports,
      tombstone,
      this.manifestWrite(options),
    );
    if (committed < this.write.writeQuorum) {
      throw (
        (committed === 0 && sharedFailure(errors, `deleting "${key}"`, { key })) ||
        bkError('Backend', `delete of "${key}" reached only ${committed} ports; run heal()`, {
          details: { key, retryable: true },
        })
      );
    }
    if (choice) await removeShards(this.ports, key, before.version);
  }

  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: Abortable = {},
  ): Promise<DeleteManyResult> {
    return deleteEach((key) => this.delete(key, options), keys);
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    this.refuseConditions(destination, options);
    const original = await this.current(source, options);
    checkPreconditions(source, original.etag, { ifMatch: options.ifSourceMatch });
    const got = await readObject(
      this.read,
      this.blocksPerRead,
      original,
      options.signal ? { signal: options.signal } : {},
    );
    const contentType = options.metadata
      ? options.contentType
      : (options.contentType ?? original.contentType);
    return this.put(destination, got.body, {
      metadata: options.metadata ?? original.metadata,
      ...(contentType ? { contentType } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

/** Keys are stored as `m/<key>` on the ports: two bytes less than S3's 1024. */
function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw bkError('InvalidKey', 'a key must be a non-empty string');
  if (new TextEncoder().encode(key).byteLength > 1022) {
    throw bkError('InvalidKey', 'keys on an erasure port are at most 1022 bytes (2 go to its layout)', {
      details: { key: key.slice(0, 64) },
    });
  }
}
