import { createHash, randomBytes } from 'node:crypto';
import { closeSync, unlinkSync } from 'node:fs';
import { throwIfAborted } from '../../errors.js';
import { readUpTo } from '../contract/body.js';
import { writeToken } from '../contract/md5.js';
import type { PutOptions, PutResult } from '../contract/port.js';
import { BlockSummer, type BlockSums, blockHasher } from './block-sums.js';
import {
  closeFd,
  fsync,
  openCreating,
  openCreatingNow,
  SMALL_FILE,
  writeBytes,
  writeChunksNow,
} from './io.js';

/**
 * Writes a larger object's data file: the chunks read so far, then the rest of the body, hashed as
 * it goes (MD5 for the ETag, but not with `etag: 'any'`; block checksums for every read to check,
 * block-sums.ts), fsynced when `durable`. Files up to 64 KiB are written with synchronous syscalls
 * (see io.ts).
 *
 * @example
 * ```ts
 * const path = join(dir, `a~d${dataFileSuffix()}`);
 * const { etag, size, blocks } = await writeDataFile(dir, path, head, rest, { durable: true });
 * ```
 */
export async function writeDataFile(
  dir: string,
  path: string,
  head: { chunks: Uint8Array[]; size: number },
  rest: AsyncIterator<Uint8Array>,
  options: Pick<PutOptions, 'etag' | 'signal'> & { durable: boolean },
): Promise<PutResult & { blocks: BlockSums }> {
  // `etag: 'any'`: no MD5 (the caller, e.g. an erasure wrapper, keeps its own checksums)
  const md5 = options.etag === 'any' ? undefined : createHash('md5');
  const summer = new BlockSummer(await blockHasher());
  const hash = {
    update(chunk: Uint8Array) {
      md5?.update(chunk);
      summer.update(chunk);
    },
  };
  const done = () => ({ etag: md5?.digest('hex') ?? writeToken(), size, blocks: summer.finish() });
  for (const chunk of head.chunks) hash.update(chunk);
  let size = head.size;
  const more = await readUpTo(rest, SMALL_FILE - size);
  for (const chunk of more.chunks) hash.update(chunk);
  size += more.size;
  if (more.done) {
    throwIfAborted(options.signal);
    const fd = openCreatingNow(dir, path);
    try {
      writeChunksNow(fd, head.chunks);
      writeChunksNow(fd, more.chunks);
      if (options.durable) await fsync(fd);
    } finally {
      closeSync(fd);
    }
    return done();
  }
  const fd = await openCreating(dir, path);
  try {
    for (const chunk of [...head.chunks, ...more.chunks]) await writeBytes(fd, chunk);
    // one write per chunk as it comes: measured faster than gathering chunks into larger writes
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      hash.update(next.value);
      size += next.value.byteLength;
      await writeBytes(fd, next.value);
    }
    throwIfAborted(options.signal);
    if (options.durable) await fsync(fd);
  } finally {
    await closeFd(fd);
  }
  return done();
}

// Names of data files: unique across processes (a random prefix) and cheap per write (a counter).
const processTag = randomBytes(6).toString('hex');
let written = 0;

/**
 * A suffix for a new data file's name, unique across processes and writes.
 *
 * @example
 * ```ts
 * const name = `${base}~d${dataFileSuffix()}`;
 * ```
 */
export function dataFileSuffix(): string {
  written++;
  return `${processTag}${written.toString(16)}`;
}

/**
 * Removes a file that may already be gone (an old data file, a record being deleted): true when
 * this call removed it.
 *
 * @example
 * ```ts
 * unlinkQuietly(join(dir, old.data));
 * ```
 */
export function unlinkQuietly(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    // already gone, or never made
    return false;
  }
}
