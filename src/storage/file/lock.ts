import {
  closeSync,
  existsSync,
  fstatSync,
  futimesSync,
  linkSync,
  mkdirSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bkError, throwIfAborted } from '../../errors.js';
import { isMissing, openCreating, openFile } from './io.js';
import { breakIfStale, STALE_AFTER_MS } from './lock-takeover.js';

const GIVE_UP_AFTER_MS = 60_000;

/**
 * A held lock. Its file is new and open for writing: write the next record into it, then `commit`
 * renames it over the record, which publishes the record and releases the lock in one syscall.
 */
export interface HeldLock {
  /** The lock file's descriptor (closed by `commit` or when the work ends). */
  fd: number;
  /**
   * Renames the lock file to `path` (atomically replacing it); the lock is released. Over an existing
   * file in the thread pool: ext4 starts writing the new one out inside the syscall (its guard against
   * empty files after a crash). With `fresh` (nothing at `path`: a new key) it is a plain directory
   * update, made with a synchronous syscall: a thread-pool round trip costs more CPU than the rename
   * (versioned 4 KiB PUTs, which make a new object each, took ~20 % less server CPU; docs/benchmarks.md).
   * `'create'`: nothing may be at `path` — the file is linked there (an `EEXIST` error when something
   * is: a record made by a link without this lock, file/mirror.ts) and the lock's name removed.
   */
  commit(path: string, fresh?: boolean | 'create'): Promise<void>;
}

/**
 * Runs `work` while holding an exclusive lock. The lock is a file created with `O_EXCL`, atomic
 * across processes on a local filesystem, so this serialises writers in every process sharing the
 * folder. A writer either replaces the record in place and lets the lock go (an unlink), or commits
 * the lock file as the record (a new key, or a record that outgrew its slot): the lock then costs no
 * syscall of its own. Creating the lock and a commit's rename over a record run in the thread pool:
 * under load ext4 spends a tenth of a millisecond or more inside each, time in which the event loop
 * serves other requests (gateway, 4 KiB PUTs with 32 in flight: ~5,900–6,600 per second against
 * ~4,300–4,600 with the create made on the event loop, which is faster only one write at a time). A
 * rename to a new name does not write the file out and is made on the event loop (`commit`).
 *
 * A holder touches its lock every 10 s; a lock untouched for 30 s belongs to a crashed process and is
 * taken over by exactly one waiter (lock-takeover.ts). A holder only ever removes or commits the
 * lock file it created: if it stalled so long that its lock was taken over, it gets a `Timeout` and
 * its write is not made.
 *
 * @example
 * ```ts
 * await withFileLock('/data/a~l', (lock) => {
 *   writeChunksNow(lock.fd, [recordBytes]);
 *   await lock.commit('/data/a~');
 * });
 * ```
 */
export async function withFileLock<T>(
  path: string,
  work: (lock: HeldLock) => T | Promise<T>,
  options: { signal?: AbortSignal | undefined; makeDir?: boolean; linked?: LinkedLock } = {},
): Promise<T> {
  const started = Date.now();
  let delay = 1;
  let fd: number;
  const linked = options.linked;
  // a linked lock's descriptor is the caller's: it stays open
  const owned = linked === undefined;
  for (;;) {
    throwIfAborted(options.signal);
    const taken = linked
      ? takeByLink(path, linked, options.makeDir === true)
      : await take(path, options.makeDir === true);
    if (taken !== undefined) {
      fd = taken;
      break;
    }
    if (await breakIfStale(path)) continue;
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
  held.add(fd);
  startHeartbeat();
  let open = true;
  let committed = false;
  const lock: HeldLock = {
    fd,
    async commit(to, fresh = false) {
      if (committed || !open) throw bkError('InvalidArgument', `the lock ${path} was already committed`);
      assertStillOurs(path, fd);
      held.delete(fd);
      if (owned) closeSync(fd);
      open = false;
      try {
        if (fresh === 'create') {
          linkSync(path, to);
          unlinkQuietly(path);
        } else if (fresh) renameSync(path, to);
        else await rename(path, to);
      } catch (err) {
        if (isMissing(err)) throw lostLock(path);
        unlinkQuietly(path); // still ours (checked just before): let the next writer in
        throw err;
      }
      committed = true;
    },
  };
  try {
    return await work(lock);
  } finally {
    if (open) {
      held.delete(fd);
      // after a commit another writer may hold a new lock of this name: only ever remove our own
      if (!committed && isOurs(path, fd)) unlinkQuietly(path);
      if (owned) closeSync(fd);
    }
  }
}

/** The lock's descriptor, or undefined when another writer holds it. */
async function take(path: string, makeDir: boolean): Promise<number | undefined> {
  try {
    return await (makeDir ? openCreating(dirname(path), path) : openFile(path, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
}

/**
 * A lock taken by hard-linking an existing file (open as `fd`, touched just before, so that waiters see
 * a fresh lock) to the lock's name: no new file, and its commit publishes that file under a second
 * name only if the holder renames it; a holder that writes elsewhere (in place) just lets the name go.
 */
export interface LinkedLock {
  /** The file to link. */
  from: string;
  /** `from` open (for reading): the lock's descriptor, which the caller closes. */
  fd: number;
}

/** {@link take} by linking: undefined when another writer holds the lock; `NotFound` when `from` went. */
function takeByLink(path: string, linked: LinkedLock, makeDir: boolean): number | undefined {
  for (let attempt = 1; ; attempt++) {
    try {
      linkSync(linked.from, path);
      return linked.fd;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return undefined;
      if (!isMissing(err)) throw err;
      if (!existsSync(linked.from)) {
        throw bkError('NotFound', `${linked.from} was deleted during the copy`, { cause: err });
      }
      if (!makeDir || attempt === 8) throw err;
      mkdirSync(dirname(path), { recursive: true });
    }
  }
}

/** Whether the file at `path` is still the one open as `fd` (it always is unless we stalled 30 s). */
function isOurs(path: string, fd: number): boolean {
  try {
    return statSync(path).ino === fstatSync(fd).ino;
  } catch {
    return false;
  }
}

function assertStillOurs(path: string, fd: number): void {
  if (!isOurs(path, fd)) throw lostLock(path);
}

const lostLock = (path: string) =>
  bkError(
    'Timeout',
    `the write stalled for over ${STALE_AFTER_MS / 1000}s and its lock ${path} was taken over; it was not made: retry it`,
  );

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

// Held locks are touched every third of the stale age, so a live holder's lock never looks stale
// however long its work takes (a slow fsync, a stalled disk).
const held = new Set<number>();
let heartbeat: NodeJS.Timeout | undefined;

function startHeartbeat(): void {
  if (heartbeat) return;
  heartbeat = setInterval(() => {
    if (held.size === 0) {
      clearInterval(heartbeat);
      heartbeat = undefined;
      return;
    }
    const now = new Date();
    for (const fd of held) {
      try {
        futimesSync(fd, now, now);
      } catch {
        // closed meanwhile
      }
    }
  }, STALE_AFTER_MS / 3);
  heartbeat.unref();
}
