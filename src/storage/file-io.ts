/**
 * The file adapter's disk I/O on plain descriptors (callback fs): a FileHandle per open costs more CPU
 * than the syscall itself, and Node 20's `Readable.toWeb` copies every chunk of a streamed read.
 */
import { close, fsync as fsyncFd, open as openFd, read, write } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { bkError } from '../errors.js';

/** Read size of a streamed GET: large reads keep the per-chunk overhead small. */
const STREAM_CHUNK = 1024 * 1024;
/** Records are a few hundred bytes; a larger one takes another read. */
const RECORD_GUESS = 8 * 1024;

export const openFile = (path: string, flags: string) =>
  new Promise<number>((done, fail) => openFd(path, flags, (err, fd) => (err ? fail(err) : done(fd))));
export const closeFd = (fd: number) =>
  new Promise<void>((done, fail) => close(fd, (err) => (err ? fail(err) : done())));
export const fsync = (fd: number) =>
  new Promise<void>((done, fail) => fsyncFd(fd, (err) => (err ? fail(err) : done())));
export const readAt = (fd: number, into: Uint8Array, offset: number, length: number, position: number) =>
  new Promise<number>((done, fail) =>
    read(fd, into, offset, length, position, (err, n) => (err ? fail(err) : done(n))),
  );

/** Opens a new file for writing; the folder is made only when missing (a syscall saved per write). */
export async function openCreating(dir: string, path: string): Promise<number> {
  try {
    return await openFile(path, 'wx');
  } catch (err) {
    if (!isMissing(err)) throw err;
    await mkdir(dir, { recursive: true });
    return openFile(path, 'wx');
  }
}

/** Writes all of `bytes` at the descriptor's position (short writes go on where they stopped). */
export async function writeBytes(fd: number, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    done += await new Promise<number>((resolve, fail) =>
      write(fd, bytes, done, bytes.byteLength - done, null, (err, n) => (err ? fail(err) : resolve(n))),
    );
  }
}

export async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  const fd = await openFile(path, 'wx');
  try {
    await writeBytes(fd, bytes);
  } finally {
    await closeFd(fd);
  }
}

/** A small file's text: one read for a record (no stat), more only when it is larger than a guess. */
export async function readText(path: string): Promise<string> {
  const fd = await openFile(path, 'r');
  try {
    let bytes = Buffer.allocUnsafe(RECORD_GUESS);
    let size = 0;
    for (;;) {
      const n = await readAt(fd, bytes, size, bytes.byteLength - size, size);
      size += n;
      if (n === 0 || size < bytes.byteLength) break;
      const larger = Buffer.allocUnsafe(bytes.byteLength * 4);
      bytes.copy(larger, 0, 0, size);
      bytes = larger;
    }
    return bytes.toString('utf8', 0, size);
  } finally {
    await closeFd(fd);
  }
}

/**
 * `length` bytes from `position` as a web stream read straight from the descriptor, which it closes
 * at the end, on cancel and on abort. (Node 20's `Readable.toWeb` copies every chunk.)
 */
export function readStream(
  fd: number,
  position: number,
  length: number,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
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
          if (n === 0)
            throw bkError('Corrupt', 'an object file is shorter than its record; delete and rewrite the key');
          offset += n;
          // plain Uint8Arrays, as every port returns: a Buffer compares unequal to one in deep-equality checks
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, n));
          if (offset >= length) {
            await finish();
            controller.close();
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

/** Reads `length` bytes at `position` whole, closing the descriptor. */
export async function readWhole(
  fd: number,
  position: number,
  length: number,
  key: string,
): Promise<Uint8Array> {
  try {
    const bytes = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const n = await readAt(fd, bytes, done, length - done, position + done);
      if (n === 0) {
        throw bkError(
          'Corrupt',
          `the data of "${key}" is shorter than its record; delete and rewrite the key`,
          {
            details: { key },
          },
        );
      }
      done += n;
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    await closeFd(fd);
  }
}

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}
