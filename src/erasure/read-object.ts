import { createHash } from 'node:crypto';
import { bkError, throwIfAborted } from '../errors.js';
import {
  checkPreconditions,
  type GetOptions,
  type GetResult,
  getResult,
  objectInfoOf,
  resolveRange,
} from '../storage/index.js';
import type { Manifest } from './layout.js';
import type { WorkerPool } from './pool.js';
import { type ReadContext, readBlockChunks } from './read.js';

/** An object's ETag when it is the MD5 of its bytes (always, for erasure objects): what a full read checks. */
const MD5_ETAG = /^[0-9a-f]{32}$/;

/** Hashes a full read's bytes as they go out; `verify` throws `Corrupt` unless they are the object's. */
interface EtagCheck {
  update(chunk: Uint8Array): void;
  verify(): Promise<void>;
  drop(): void;
}

function etagCheck(manifest: Manifest, pool: WorkerPool | undefined): EtagCheck | undefined {
  if (!MD5_ETAG.test(manifest.etag)) return undefined;
  const session = pool?.md5();
  const local = session ? undefined : createHash('md5');
  return {
    update(chunk) {
      // the pool copies or reads the chunk before the promise settles; chunks are never reused here
      if (session) session.update(chunk).catch(() => {});
      else local!.update(chunk);
    },
    async verify() {
      const md5 = session ? await session.digest() : local!.digest('hex');
      if (md5 === manifest.etag) return;
      throw bkError(
        'Corrupt',
        `the bytes of "${manifest.key}" do not match its ETag ${manifest.etag} (read: ${md5}); run heal() or restore`,
        { details: { key: manifest.key, etag: manifest.etag } },
      );
    },
    drop() {
      session?.drop();
    },
  };
}

/**
 * Streams the object (or the range) a manifest describes, with one batch of `blocksPerRead` blocks
 * read ahead of the consumer. The first batch is read before this returns, so a missing or
 * unrecoverable object fails the call itself. A full read checks the object's MD5 against its ETag:
 * when the whole object is in the first batch, before this returns; otherwise before its stream
 * ends, which then errors with `Corrupt` instead of ending.
 *
 * @example
 * ```ts
 * const got = await readObject(readContext, 8, manifest, { range: { start: 0, end: 99 } });
 * ```
 */
export async function readObject(
  read: ReadContext,
  blocksPerRead: number,
  manifest: Manifest,
  options: GetOptions,
): Promise<GetResult> {
  const key = manifest.key;
  const info = objectInfoOf(manifest);
  checkPreconditions(key, manifest.etag, { ifMatch: options.ifMatch });
  const range = options.range ? resolveRange(options.range, manifest.size, key) : undefined;
  const check = range ? undefined : etagCheck(manifest, read.pool);
  const from = range?.start ?? 0;
  const to = range?.end ?? manifest.size - 1;
  const firstBlock = Math.floor(from / manifest.blockSize);
  const lastBlock = manifest.size === 0 ? -1 : Math.floor(to / manifest.blockSize);
  const batch = (b: number) => Math.min(b + blocksPerRead - 1, lastBlock);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const fetchBatch = (b: number) => {
    const fetched = readBlockChunks(read, manifest, b, batch(b), signal);
    fetched.catch(() => {}); // awaited in pull(); an abandoned read-ahead is not an unhandled error
    return { start: b * manifest.blockSize, chunks: fetched };
  };
  let next = lastBlock < 0 ? 0 : firstBlock;
  let ahead: { start: number; chunks: Promise<Uint8Array[]> } | undefined;
  try {
    if (lastBlock >= 0) {
      ahead = fetchBatch(next);
      const first = await ahead.chunks;
      next = batch(next) + 1;
      if (check && next > lastBlock) {
        for (const chunk of first) check.update(chunk);
      }
    }
    if (check && next > lastBlock) await check.verify();
  } catch (err) {
    check?.drop();
    throw err;
  }
  // hashed already (or no check): the stream only hands the bytes out
  const checking = check && next <= lastBlock ? check : undefined;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!ahead) {
          controller.close();
          return;
        }
        throwIfAborted(options.signal);
        const { start, chunks } = ahead;
        // the batch after this one starts before this one is awaited: reads overlap the consumer
        ahead = next <= lastBlock ? fetchBatch(next) : undefined;
        if (ahead) next = batch(next) + 1;
        const got = await chunks;
        let offset = start;
        for (const chunk of got) {
          const lo = Math.max(from - offset, 0);
          const hi = Math.min(to + 1 - offset, chunk.byteLength);
          if (hi > lo) {
            const out = lo === 0 && hi === chunk.byteLength ? chunk : chunk.subarray(lo, hi);
            checking?.update(out);
            controller.enqueue(out);
          }
          offset += chunk.byteLength;
        }
        if (!ahead) {
          await checking?.verify();
          controller.close();
        }
      } catch (err) {
        stop.abort();
        checking?.drop();
        controller.error(err);
      }
    },
    cancel() {
      stop.abort();
      checking?.drop();
    },
  });
  return getResult(info, stream, range);
}
