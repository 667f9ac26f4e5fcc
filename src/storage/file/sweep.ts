/**
 * Reclaiming what crashed writers leave in a folder port: data files no record points to, temp files,
 * stale locks and their claims, and empty folders — each only once older than a grace period, and
 * never anything a live object or a live writer uses.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BucketkitError, throwIfAborted } from '../../errors.js';
import { isMissing } from './io.js';
import { breakIfStale } from './lock-takeover.js';
import { kindOfName, pathToKey } from './paths.js';
import { readRecordNow } from './record.js';

/** What `sweep` may remove, and how careful it is. */
export interface SweepOptions {
  /**
   * Only files and folders untouched for this many milliseconds are removed (default one hour). A
   * write's data file is unreferenced until its record is written, so this must exceed the longest
   * time between a write's last byte and its commit (its fsync and lock wait: about a minute at worst).
   */
  olderThan?: number;
  signal?: AbortSignal;
}

/** What a sweep removed. */
export interface SweepReport {
  /** Data files no record points to (a write that crashed before its record, or a crashed cleanup). */
  dataFiles: number;
  /** Temp files of crashed writes (`NAME~t…`, written by earlier builds). */
  tempFiles: number;
  /** Locks of crashed writers, taken over as any waiter would (never a live holder's). */
  locks: number;
  /** Claims left by a process that crashed while taking over a lock. */
  claims: number;
  /** Empty folders. */
  folders: number;
  /** Bytes of the files removed. */
  bytes: number;
}

const HOUR = 60 * 60 * 1000;

/**
 * Removes what crashes left under `root` (see {@link SweepReport}); live objects, in-flight writes
 * (younger than `olderThan`) and held locks are left alone, so it can run while writers work.
 *
 * @example
 * ```ts
 * const report = await sweepFolder('/data', { olderThan: 60 * 60 * 1000 });
 * ```
 */
export async function sweepFolder(root: string, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { dataFiles: 0, tempFiles: 0, locks: 0, claims: 0, folders: 0, bytes: 0 };
  const before = Date.now() - (options.olderThan ?? HOUR);
  await sweepDir(root, [], before, report, options.signal);
  return report;
}

/**
 * Sweeps one folder and those below it; true when it is left empty and was untouched before the
 * sweep began on it (the sweep's own removals touch it).
 */
async function sweepDir(
  root: string,
  dirs: string[],
  before: number,
  report: SweepReport,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  throwIfAborted(signal);
  const dir = join(root, ...dirs);
  let entries: Dirent[];
  let untouched: boolean;
  try {
    untouched = (await lstat(dir)).mtimeMs < before;
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw err;
  }
  let left = entries.length;
  const removed = (what: Exclude<keyof SweepReport, 'bytes'>, bytes: number) => {
    report[what]++;
    report.bytes += bytes;
    left--;
  };
  // locks before claims: taking over a stale lock frees the claims a crashed taker left on it
  const order = (e: Dirent) => (kindOfName(e.name) === 'claim' ? 1 : 0);
  for (const entry of [...entries].sort((a, b) => order(a) - order(b))) {
    const path = join(dir, entry.name);
    const kind = kindOfName(entry.name);
    if (entry.isDirectory()) {
      if (kind === 'lock') {
        // a lock directory of an older version
        if (await breakIfStale(path)) removed('locks', 0);
      } else if (kind === 'directory' || kind === 'continuation') {
        const empty = await sweepDir(root, [...dirs, entry.name], before, report, signal);
        if (empty && (await removeFolder(path))) removed('folders', 0);
      }
      continue;
    }
    if (!entry.isFile()) continue;
    const stats = await lstat(path).catch(() => undefined);
    if (!stats || stats.mtimeMs >= before) continue;
    if (kind === 'data') {
      if (!isLiveData(dirs, path, entry.name) && (await removeFile(path))) removed('dataFiles', stats.size);
    } else if (kind === 'temp') {
      if (await removeFile(path)) removed('tempFiles', stats.size);
    } else if (kind === 'lock') {
      if (await breakIfStale(path)) removed('locks', stats.size);
    } else if (kind === 'claim') {
      if (await removeLeftoverClaim(path, entry.name, before)) removed('claims', 0);
    }
  }
  return left === 0 && untouched && dirs.length > 0;
}

/**
 * Whether the record next to a data file points to it (or cannot be read: a damaged record might,
 * and its data is what restoring it needs).
 */
function isLiveData(dirs: string[], path: string, name: string): boolean {
  const base = name.slice(0, name.indexOf('~'));
  let key: string;
  try {
    key = pathToKey(dirs, base);
  } catch {
    return true; // not a name this port made
  }
  try {
    return readRecordNow(`${path.slice(0, path.length - name.length)}${base}~`, key)?.record.data === name;
  } catch (err) {
    if (BucketkitError.is(err, 'Corrupt')) return true;
    throw err;
  }
}

/**
 * A claim (`NAME~c…`, lock-takeover.ts) is a hard link to the lock it claimed. Once that lock
 * is no longer at `NAME~l`, the claim guards nothing: a late taker linking the same name would reach
 * another file and back off. A claim on the lock still in place is left to the takeover's generations.
 */
async function removeLeftoverClaim(path: string, name: string, before: number): Promise<boolean> {
  const lockPath = `${path.slice(0, path.length - name.length)}${name.slice(0, name.indexOf('~'))}~l`;
  const claim = await lstat(path).catch(() => undefined);
  if (!claim || claim.ctimeMs >= before) return false;
  const lock = await lstat(lockPath).catch(() => undefined);
  if (lock && lock.ino === claim.ino) return false;
  return removeFile(path);
}

/** rmdir refuses a folder a writer has just put something in, and writers make a folder again when it went. */
async function removeFolder(path: string): Promise<boolean> {
  return rmdir(path).then(
    () => true,
    () => false,
  );
}

async function removeFile(path: string): Promise<boolean> {
  return unlink(path).then(
    () => true,
    () => false,
  );
}
