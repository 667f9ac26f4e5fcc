/**
 * Reading a data file (an object over 16 KiB keeps its bytes next to its record), checked against
 * what the write recorded. Every read checks the file's length against the record's size: a file cut
 * short or grown is damage, whatever the range. A read of the whole object also hashes the bytes as
 * they go and compares the MD5 the write recorded before the last bytes are handed on, so no reader,
 * not even one streaming, sees a clean end of damaged bytes. A ranged read checks the length only:
 * hashing the whole file for a few of its bytes would cost what the range saves.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { bkError, throwIfAborted } from '../../errors.js';
import { streamOf } from '../contract/body.js';
import { closeFd, openFile, readAt, SMALL_FILE } from './io.js';
import type { ObjectRecord } from './record.js';

/** What a read of a data file checks. */
export interface DataCheck {
  key: string;
  /** The record's size: the data file's length must be exactly this. */
  size: number;
  /** The MD5 (hex) the bytes read must have: set only when the read covers the whole object. */
  md5?: string | undefined;
}

/** A data file's bytes, to read as a stream or at once (small reads have been read already). */
export interface DataBody {
  stream: () => ReadableStream<Uint8Array>;
  bytes: () => Promise<Uint8Array>;
}

/**
 * What a read of `length` bytes from `start` of `record`'s data file checks: the length always, the
 * MD5 when the read covers the whole object and the record says its ETag is the bytes' MD5.
 *
 * @example
 * ```ts
 * const check = dataCheckOf(record, key, 0, record.size); // md5 set: a whole read
 * ```
 */
export function dataCheckOf(record: ObjectRecord, key: string, start: number, length: number): DataCheck {
  const whole = start === 0 && length === record.size;
  return { key, size: record.size, ...(whole && record.sum === 'md5' ? { md5: record.etag } : {}) };
}

/**
 * Reads `length` bytes from `start` of the data file at `path`, checked (see the module comment):
 * damage is `Corrupt` naming the key. Small reads are done when this returns; larger ones return a
 * body whose stream fails with `Corrupt` instead of delivering its last chunk. A missing file throws
 * the raw `ENOENT` (the caller reads the record again: a writer may have replaced it).
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
  if (length <= SMALL_FILE) return bodyOf(readSmallNow(path, start, length, check));
  const fd = await openFile(path, 'r');
  try {
    checkLength(fd, check);
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
  if (length <= SMALL_READ) return bodyOf(await readWhole(fd, start, length, check));
  return {
    stream: () => readStream(fd, start, length, check, signal),
    bytes: async () => {
      if (signal?.aborted) {
        await closeFd(fd);
        throwIfAborted(signal);
      }
      return readWhole(fd, start, length, check);
    },
  };
}

const bodyOf = (bytes: Uint8Array): DataBody => ({ stream: () => streamOf(bytes), bytes: async () => bytes });

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

/** `length` (≤ {@link SMALL_FILE}) bytes at `position` of `path`, synchronously, checked. */
function readSmallNow(path: string, position: number, length: number, check: DataCheck): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    checkLength(fd, check);
    const bytes = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const n = readSync(fd, bytes, done, length - done, position + done);
      if (n === 0) throw shortData(check);
      done += n;
    }
    const hash = hashFor(check);
    hash?.update(bytes);
    verify(hash, check);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at `position` whole, checked, closing the descriptor. */
async function readWhole(
  fd: number,
  position: number,
  length: number,
  check: DataCheck,
): Promise<Uint8Array> {
  try {
    const bytes = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const n = await readAt(fd, bytes, done, length - done, position + done);
      if (n === 0) throw shortData(check);
      done += n;
    }
    const hash = hashFor(check);
    hash?.update(bytes);
    verify(hash, check);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    await closeFd(fd);
  }
}

/**
 * `length` bytes from `position` as a web stream read straight from the descriptor, which it closes
 * at the end, on cancel and on abort (Node 20's `Readable.toWeb` copies every chunk). The last chunk
 * is handed on only once the bytes have passed the check.
 */
function readStream(
  fd: number,
  position: number,
  length: number,
  check: DataCheck,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const hash = hashFor(check);
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
          const want = Math.min(STREAM_CHUNK, length - offset);
          const chunk = Buffer.allocUnsafe(want);
          const n = await readAt(fd, chunk, 0, want, position + offset);
          if (closed) return;
          if (n === 0) throw shortData(check);
          offset += n;
          // plain Uint8Arrays, as every port returns: a Buffer compares unequal to one in deep-equality checks
          const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, n);
          hash?.update(bytes);
          if (offset >= length) {
            verify(hash, check);
            await finish();
            controller.enqueue(bytes);
            controller.close();
          } else {
            controller.enqueue(bytes);
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
