/**
 * The file adapter's disk I/O on plain descriptors (callback fs): a FileHandle per open costs more CPU
 * than the syscall itself, and Node 20's `Readable.toWeb` copies every chunk of a streamed read.
 *
 * Small files (records, locks, objects up to {@link SMALL_FILE}) take synchronous syscalls: such a
 * syscall costs the same CPU on whichever thread runs it, and a thread-pool round trip adds wake-ups
 * and context switches that cost more than an open, read or write of a page-cached file (measured:
 * a 4 KiB PUT through the gateway took 2-3 times less CPU). Large data and fsync stay asynchronous,
 * so a slow disk stalls only the request that waits for it.
 */
import {
  close,
  fsync as fsyncFd,
  mkdirSync,
  open as openFd,
  openSync,
  read,
  write,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';

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

/**
 * Makes a folder's entries durable (a rename or a new file in it), where the platform can: Windows
 * cannot open a folder for syncing, and some filesystems refuse, which is left as it was.
 *
 * @example
 * ```ts
 * await rename(lockPath, recordPath);
 * await syncFolder(dirname(recordPath));
 * ```
 */
export async function syncFolder(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFile(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsync(fd).catch((err: NodeJS.ErrnoException) => {
      if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP', 'EBADF'].includes(err.code ?? '')) throw err;
    });
  } finally {
    await closeFd(fd);
  }
}

/** Objects up to this size are written and read with synchronous syscalls (see above). */
export const SMALL_FILE = 64 * 1024;

/**
 * How often a new file's folder is made again when it keeps vanishing (a sweep removes empty folders
 * while writers create them).
 */
const FOLDER_ATTEMPTS = 8;

/** {@link openCreating} with synchronous syscalls, for small files. */
export function openCreatingNow(dir: string, path: string): number {
  for (let attempt = 1; ; attempt++) {
    try {
      return openSync(path, 'wx');
    } catch (err) {
      if (!isMissing(err) || attempt === FOLDER_ATTEMPTS) throw err;
      mkdirSync(dir, { recursive: true });
    }
  }
}

/** Writes all of each chunk at the descriptor's position, synchronously. */
export function writeChunksNow(fd: number, chunks: readonly Uint8Array[]): void {
  for (const bytes of chunks) {
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
  }
}

/**
 * Opens a new file for writing; the folder is made only when missing (a syscall saved per write), and
 * again if a sweep removed it meanwhile.
 */
export async function openCreating(dir: string, path: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openFile(path, 'wx');
    } catch (err) {
      if (!isMissing(err) || attempt === FOLDER_ATTEMPTS) throw err;
      await makeFolder(dir);
    }
  }
}

/**
 * Makes a folder and those above it; a sweep removing an empty parent in the middle is met by trying
 * again.
 *
 * @example
 * ```ts
 * await makeFolder('/data/logs/2026');
 * ```
 */
export async function makeFolder(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dir, { recursive: true });
      return;
    } catch (err) {
      if (!isMissing(err) || attempt === FOLDER_ATTEMPTS) throw err;
    }
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

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}
