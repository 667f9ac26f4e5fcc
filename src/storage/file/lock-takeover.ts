/**
 * Taking over the lock of a crashed writer, so that exactly one waiter does it and no live holder's
 * lock is ever removed. Checking a lock's age and then unlinking its path is a race: two waiters both
 * see the old lock, one removes it and takes a new one, and the other removes that new lock (issue 14).
 *
 * A lock is stale when its file has not been touched for {@link STALE_AFTER_MS} (holders touch theirs
 * every 10 s). A waiter that sees a stale lock claims that very file: it hard-links the lock path to a
 * claim name made of the file's identity (inode and modification time), `NAME~c<ino>.<mtime>.<g>`.
 * `link` fails when the name exists, so one waiter alone holds the claim; the claim names the inode the
 * link reached, so the waiter checks it is the file it inspected — a newer lock gives another identity
 * and the waiter backs off, leaving it alone. Only then does it unlink the lock path: the file there is
 * the stale one, since its holder is gone and every other taker needs the claim. A taker that dies
 * while holding a claim leaves it behind; once that claim has shown no change for the stale age
 * (link and unlink update the file's change time), the next generation `g + 1` can be claimed.
 * (A lock left as a directory by an older version is removed with rmdir, which cannot remove a file.)
 */
import { linkSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { log } from '../../logger.js';

/** A lock untouched for this long belongs to a crashed process. */
export const STALE_AFTER_MS = 30_000;

/**
 * True when `lockPath` held a stale lock and this call removed it as its one proven taker: the
 * caller then tries to take the lock again. False when the lock is fresh, gone, or another waiter is
 * taking it over.
 *
 * @example
 * ```ts
 * if (await breakIfStale('/data/a~l')) continue; // try to take it again
 * ```
 */
export async function breakIfStale(lockPath: string): Promise<boolean> {
  let seen: import('node:fs').BigIntStats;
  try {
    seen = await stat(lockPath, { bigint: true });
  } catch {
    return false;
  }
  if (!isStale(seen.mtimeMs)) return false;
  if (seen.isDirectory()) {
    try {
      rmdirSync(lockPath);
      log('warn', 'storage.file', 'removed a stale lock directory left by an older version', {
        path: lockPath,
      });
      return true;
    } catch {
      return false;
    }
  }
  const claims = claimPrefix(lockPath, seen);
  for (let generation = 0; ; generation++) {
    const claim = `${claims}${generation}`;
    try {
      linkSync(lockPath, claim);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return false; // the lock is gone (ENOENT), or the folder refuses links
      // another waiter claimed this lock; if its claim has not changed for the stale age, it died
      if (!claimAbandoned(claim)) return false;
      continue;
    }
    if (!sameFile(claim, seen)) {
      // the link reached a newer lock than the one inspected: not ours to touch
      unlinkQuietly(claim);
      return false;
    }
    unlinkQuietly(lockPath);
    for (let g = generation; g >= 0; g--) unlinkQuietly(`${claims}${g}`);
    log('warn', 'storage.file', 'took over a stale lock (a writer crashed while holding it)', {
      path: lockPath,
    });
    return true;
  }
}

/**
 * The claim names' common start for a lock file: `NAME~c<ino>.<mtime ns>.` next to `NAME~l`.
 *
 * @example
 * ```ts
 * claimPrefix('/data/a~l', stats); // '/data/a~c1234.1733400000000000000.'
 * ```
 */
export function claimPrefix(lockPath: string, seen: { ino: bigint; mtimeNs: bigint }): string {
  const stem = lockPath.endsWith('~l') ? lockPath.slice(0, -1) : `${lockPath}~`;
  return `${stem}c${seen.ino}.${seen.mtimeNs}.`;
}

const isStale = (mtimeMs: bigint | number) => Date.now() - Number(mtimeMs) > STALE_AFTER_MS;

function claimAbandoned(claim: string): boolean {
  try {
    return isStale(statSync(claim, { bigint: true }).ctimeMs);
  } catch {
    return false;
  }
}

function sameFile(path: string, seen: { ino: bigint; mtimeNs: bigint }): boolean {
  try {
    const now = statSync(path, { bigint: true });
    return now.ino === seen.ino && now.mtimeNs === seen.mtimeNs;
  } catch {
    return false;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
