/**
 * Reading a data file (an object over 16 KiB keeps its bytes next to its record), checked against
 * what the write recorded. Every read checks the file's length against the record's size: a file cut
 * short or grown is damage, whatever the range. A data file with block checksums (block-sums.ts) is
 * read in whole checksum groups, ranged or not: each group is checked before any of its bytes is
 * handed on, even to a streaming reader, and only the asked bytes are. A data file of an earlier
 * build has no block checksums: a read of the whole object hashes the bytes as they go and compares
 * the MD5 the write recorded before the last bytes are handed on (no reader, not even one streaming,
 * sees a clean end of damaged bytes); its ranged reads check the length only.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { XXHashAPI } from 'xxhash-wasm';
import { bkError, throwIfAborted } from '../../errors.js';
import { streamOf } from '../contract/body.js';
import { type BlockSums, blockHasher, checkGroups, groupSpan } from './block-sums.js';
import { closeFd, openFile, readAt, SMALL_FILE } from './io.js';
import type { ObjectRecord } from './record.js';

/** What a read of a data file checks. */
export interface DataCheck {
  key: string;
  /** The record's size: the data file's length must be exactly this. */
  size: number;
  /** The MD5 (hex) the bytes read must have: set only when the read covers the whole object. */
  md5?: string | undefined;
  /** The block checksums every group read must match (then no MD5). */
  blocks?: BlockSums | undefined;
}

/** A data file's bytes, to read as a stream or at once (small reads have been read already). */
export interface DataBody {
  stream: () => ReadableStream<Uint8Array>;
  bytes: () => Promise<Uint8Array>;
}

/**
 * What a read of `length` bytes from `start` of `record`'s data file checks: the length always; the
 * block checksums when the record has them; else the MD5 when the read covers the whole object and
 * the record says its ETag is the bytes' MD5.
 *
 * @example
 * ```ts
 * const check = dataCheckOf(record, key, 0, record.size); // blocks set, or md5 for an older record
 * ```
 */
export function dataCheckOf(record: ObjectRecord, key: string, start: number, length: number): DataCheck {
  if (record.blocks) return { key, size: record.size, blocks: knownBlocks(record.blocks, key) };
  const whole = start === 0 && length === record.size;
  return { key, size: record.size, ...(whole && record.sum === 'md5' ? { md5: record.etag } : {}) };
}

/** Block checksums this build can check; others (a later build's kind) are `Unsupported`, never misread. */
function knownBlocks(blocks: BlockSums, key: string): BlockSums {
  const { leaf, group, xxh64 } = blocks;
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
  if (typeof xxh64 === 'string' && whole(leaf) && whole(group) && group % leaf === 0) return blocks;
  throw bkError(
    'Unsupported',
    `the data file of "${key}" carries block checksums this version cannot check; upgrade bucketkit`,
    { details: { key } },
  );
}

/**
 * Reads `length` bytes from `start` of the data file at `path`, checked (see the module comment):
 * damage is `Corrupt` naming the key. Small reads are done when this returns; larger ones return a
 * body whose stream fails with `Corrupt` instead of delivering a damaged group (or, without block
 * checksums, its last chunk). A missing file throws the raw `ENOENT` (the caller reads the record
 * again: a writer may have replaced it).
 *
 * @example
 * ```ts
 * const body = await readDataFile(join(dir, record.data), 0, record.size, dataCheckOf(record, key, 0, record.size));
 * ```
 */
export async function readDataFile(
  path: string,
  start: number,
  length: number,
  check: DataCheck,
  signal?: AbortSignal,
): Promise<DataBody> {
  const blocks = check.blocks;
  const read: Reading = {
    check,
    hash: blocks ? await blockHasher() : undefined,
    start,
    length,
    span: blocks ? groupSpan(blocks, check.size, start, length) : { start, length },
  };
  const spanLength = read.span.length;
  // small asked reads stay synchronous (io.ts) with the groups around them, up to a bound: a long
  // synchronous read would hold up every other request
  if (length <= SMALL_FILE && spanLength <= SYNC_SPAN) return bodyOf(readSmallNow(path, read));
  const fd = await openFile(path, 'r');
  try {
    checkLength(fd, check);
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
  if (spanLength <= SMALL_READ) return bodyOf(await readWhole(fd, read));
  return {
    stream: () => readStream(fd, read, signal),
    bytes: async () => {
      if (signal?.aborted) {
        await closeFd(fd);
        throwIfAborted(signal);
      }
      return readWhole(fd, read);
    },
  };
}

/** One read: the asked bytes, and the span read for them (whole groups, with block checksums). */
interface Reading {
  check: DataCheck;
  /** Set when the check has block checksums. */
  hash: XXHashAPI | undefined;
  start: number;
  length: number;
  span: { start: number; length: number };
}

const bodyOf = (bytes: Uint8Array): DataBody => ({ stream: () => streamOf(bytes), bytes: async () => bytes });

/** A small read widened to whole groups is read synchronously up to this many bytes. */
const SYNC_SPAN = 4 * SMALL_FILE;
/** The synchronous reads' buffer when the span is wider than the asked bytes (copied out of it). */
const syncScratch = Buffer.allocUnsafe(SYNC_SPAN);

/** Reads up to this many bytes at once when get() runs instead of returning a stream. */
const SMALL_READ = 256 * 1024;
/** Read size of a streamed GET: large reads keep the per-chunk overhead small. */
const STREAM_CHUNK = 1024 * 1024;

function checkLength(fd: number, check: DataCheck): void {
  const actual = fstatSync(fd).size;
  if (actual !== check.size) {
    throw bkError(
      'Corrupt',
      `the data file of "${check.key}" has ${actual} bytes but its record says ${check.size}; restore it or delete the key`,
      { details: { key: check.key } },
    );
  }
}

/** A hash of the bytes when the check has an MD5 to compare with. */
const hashFor = (check: DataCheck): Hash | undefined => (check.md5 ? createHash('md5') : undefined);

function verify(hash: Hash | undefined, check: DataCheck): void {
  if (hash && hash.digest('hex') !== check.md5) {
    throw bkError(
      'Corrupt',
      `the data file of "${check.key}" does not match its checksum (damaged on disk); restore it or delete the key`,
      { details: { key: check.key } },
    );
  }
}

const shortData = (check: DataCheck) =>
  bkError('Corrupt', `the data of "${check.key}" is shorter than its record; delete and rewrite the key`, {
    details: { key: check.key },
  });

/**
 * The asked bytes of `bytes`, read from offset `at` of the file (whole groups with block checksums),
 * once the groups have passed their check: a plain Uint8Array, as every port returns (a Buffer
 * compares unequal to one in deep-equality checks).
 */
function checkedPart(read: Reading, bytes: Buffer, at: number): Uint8Array {
  const { check, hash } = read;
  if (hash) checkGroups(hash, bytes, at, check.blocks!, check.key);
  const from = Math.max(read.start - at, 0);
  const to = Math.min(read.start + read.length - at, bytes.byteLength);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);
}

/**
 * The span (≤ {@link SYNC_SPAN} bytes) of `path`, synchronously, checked. A span wider than the asked
 * bytes is read into a reused buffer and the asked bytes copied out: a fresh buffer for each read
 * of a whole group would keep the garbage collector busy.
 */
function readSmallNow(path: string, read: Reading): Uint8Array {
  const { check, span } = read;
  const fd = openSync(path, 'r');
  try {
    checkLength(fd, check);
    const wider = span.length > read.length;
    const bytes = wider ? syncScratch.subarray(0, span.length) : Buffer.allocUnsafe(span.length);
    for (let done = 0; done < span.length; ) {
      const n = readSync(fd, bytes, done, span.length - done, span.start + done);
      if (n === 0) throw shortData(check);
      done += n;
    }
    const md5 = hashFor(check);
    md5?.update(bytes);
    verify(md5, check);
    const part = checkedPart(read, bytes, span.start);
    return wider ? new Uint8Array(part) : part;
  } finally {
    closeSync(fd);
  }
}

/** Reads the span whole, checked, closing the descriptor. */
async function readWhole(fd: number, read: Reading): Promise<Uint8Array> {
  const { check, span } = read;
  try {
    const bytes = Buffer.allocUnsafe(span.length);
    for (let done = 0; done < span.length; ) {
      const n = await readAt(fd, bytes, done, span.length - done, span.start + done);
      if (n === 0) throw shortData(check);
      done += n;
    }
    const md5 = hashFor(check);
    md5?.update(bytes);
    verify(md5, check);
    return checkedPart(read, bytes, span.start);
  } finally {
    await closeFd(fd);
  }
}

/**
 * The span as a web stream read straight from the descriptor, which it closes at the end, on cancel
 * and on abort (Node 20's `Readable.toWeb` copies every chunk). With block checksums each chunk is
 * whole groups, handed on (cut to the asked bytes) only once they have passed; without, the last
 * chunk is handed on only once the whole object has passed its MD5.
 */
function readStream(fd: number, read: Reading, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const { check, span } = read;
  const md5 = hashFor(check);
  const group = check.blocks?.group;
  const chunkSize = group ? Math.max(1, Math.floor(STREAM_CHUNK / group)) * group : STREAM_CHUNK;
  let offset = 0;
  let closed = false;
  const finish = async () => {
    signal?.removeEventListener('abort', onAbort);
    if (closed) return;
    closed = true;
    await closeFd(fd);
  };
  let fail: ((reason: unknown) => void) | undefined;
  const onAbort = () => {
    fail?.(signal?.reason);
    void finish().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        fail = (reason) => controller.error(reason);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        try {
          const want = Math.min(chunkSize, span.length - offset);
          const chunk = Buffer.allocUnsafe(want);
          // whole groups: a short read goes on where it stopped
          let n = 0;
          do {
            const got = await readAt(fd, chunk, n, want - n, span.start + offset + n);
            if (closed) return;
            if (got === 0) throw shortData(check);
            n += got;
          } while (group && n < want);
          const at = span.start + offset;
          offset += n;
          const bytes = chunk.subarray(0, n);
          md5?.update(bytes);
          if (offset >= span.length) {
            verify(md5, check);
            const part = checkedPart(read, bytes, at);
            await finish();
            controller.enqueue(part);
            controller.close();
          } else {
            controller.enqueue(checkedPart(read, bytes, at));
          }
        } catch (err) {
          await finish().catch(() => {});
          controller.error(err); // a no-op when an abort already errored the stream
        }
      },
      cancel: () => finish(),
    },
    // one chunk read ahead: the disk read overlaps the socket write of the chunk before
    { highWaterMark: 1 },
  );
}
