import { mkdir, rmdir, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { bkError, throwIfAborted } from '../errors.js';
import { log } from '../logger.js';

/** A lock older than this is taken to belong to a crashed process and is broken. */
const STALE_AFTER_MS = 30_000;
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Runs `work` while holding an exclusive lock. The lock is a directory: `mkdir` is atomic across
 * processes on a local filesystem (like `O_CREAT|O_EXCL`) and takes one syscall to take and one to
 * release, so this serialises writers in every process sharing the folder.
 *
 * @example
 * ```ts
 * await withFileLock('/data/a~l', () => rename(tmp, record));
 * ```
 */
export async function withFileLock<T>(
  path: string,
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const started = Date.now();
  let delay = 1;
  for (;;) {
    throwIfAborted(signal);
    try {
      await mkdir(path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      log('warn', 'storage.file', 'broke a stale lock (a writer crashed while holding it)', { path });
      await release(path);
      continue;
    }
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      throw bkError(
        'Timeout',
        `could not lock ${path} in ${GIVE_UP_AFTER_MS / 1000}s; delete it if no writer runs`,
      );
    }
    // full jitter, capped: many writers on one key spread out instead of retrying in lockstep
    await sleep(Math.random() * delay);
    delay = Math.min(delay * 2, 20);
  }
  try {
    return await work();
  } finally {
    await release(path);
  }
}

/** Removes a lock; one left as a file by an older version is removed too. */
async function release(path: string): Promise<void> {
  await rmdir(path).catch(() => unlink(path).catch(() => {}));
}

async function isStale(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}
