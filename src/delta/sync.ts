/**
 * Mirrors a local folder and a DeltaSpace, either way. Files compare by size and SHA-256 (the
 * `dg-file-sha256` DeltaGlider records), never by modification time alone, so a touched but unchanged
 * file is not sent again and a changed file of the same size is.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bkError, throwIfAborted } from '../errors.js';
import type { Abortable } from '../storage/index.js';
import { isValidName } from './names.js';
import type { DeltaListEntry, DeltaSpace } from './space.js';

/** One file copied or deleted, with how far the sync has got (files checked of all to check). */
export interface SyncFileEvent {
  action: 'copy' | 'delete';
  name: string;
  size: number;
  /** Files checked so far, copied or not (deletions count after every source file). */
  done: number;
  /** Files the sync checks: every source file, plus every deletion. */
  total: number;
}

export interface SyncOptions extends Abortable {
  /** `upload`: folder → DeltaSpace; `download`: DeltaSpace → folder. */
  direction: 'upload' | 'download';
  /** Also remove what the source no longer has (default false). */
  delete?: boolean;
  /** Report what would change without changing anything. */
  dryRun?: boolean;
  /** Called after each file is copied or deleted (for progress output). */
  onFile?: (event: SyncFileEvent) => void;
}

export interface SyncResult {
  copied: string[];
  deleted: string[];
  unchanged: string[];
  /** Local entries that cannot be DeltaSpace files: sub-folders, non-ASCII names, reserved names. */
  skipped: string[];
}

interface LocalFile {
  size: number;
  path: string;
}

const sha256Of = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function localFiles(dir: string, skipped: string[]): Promise<Map<string, LocalFile>> {
  const files = new Map<string, LocalFile>();
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') {
      throw bkError('NotFound', `the folder "${dir}" does not exist; create it or fix the path`, { cause });
    }
    if (cause.code === 'ENOTDIR') {
      throw bkError('InvalidArgument', `"${dir}" is a file; sync needs a folder`, { cause });
    }
    throw bkError('AccessDenied', `cannot read the folder "${dir}" (${cause.code}); check its permissions`, {
      cause,
    });
  });
  for (const entry of entries) {
    if (entry.name.endsWith('.bk-sync.tmp')) continue;
    if (!entry.isFile() || !isValidName(entry.name)) {
      skipped.push(entry.name);
      continue;
    }
    const path = join(dir, entry.name);
    files.set(entry.name, { size: (await stat(path)).size, path });
  }
  return files;
}

/** True when the remote file is known to hold exactly the local bytes. */
async function same(space: DeltaSpace, local: LocalFile, remote: DeltaListEntry, options: Abortable) {
  if (local.size !== remote.size) return false;
  const remoteSha = remote.sha256 ?? (await space.head(remote.name, options)).sha256;
  return remoteSha !== undefined && remoteSha === (await sha256Of(local.path));
}

/**
 * Makes `dir` and `space` hold the same files, in the given direction.
 *
 * @example
 * ```ts
 * const space = new DeltaSpace(connect('s3://artifacts'), { prefix: 'releases/app' });
 * const { copied } = await syncDirectory(space, './dist', { direction: 'upload', delete: true });
 * ```
 */
export async function syncDirectory(
  space: DeltaSpace,
  dir: string,
  options: SyncOptions,
): Promise<SyncResult> {
  const result: SyncResult = { copied: [], deleted: [], unchanged: [], skipped: [] };
  // a download may create the folder it mirrors into
  if (options.direction === 'download' && !options.dryRun) await mkdir(dir, { recursive: true });
  const local = await localFiles(dir, result.skipped);
  const remote = new Map<string, DeltaListEntry>();
  for await (const file of space.list(options)) remote.set(file.name, file);
  const [from, to] = options.direction === 'upload' ? [local, remote] : [remote, local];

  const deletions = options.delete ? [...to.keys()].filter((name) => !from.has(name)).sort() : [];
  const total = from.size + deletions.length;
  let done = 0;
  for (const name of [...from.keys()].sort()) {
    throwIfAborted(options.signal);
    done++;
    const l = local.get(name);
    const r = remote.get(name);
    if (l && r && (await same(space, l, r, options))) {
      result.unchanged.push(name);
      continue;
    }
    result.copied.push(name);
    if (options.dryRun) continue;
    if (options.direction === 'upload') {
      const bytes = new Uint8Array(await readFile((l as LocalFile).path));
      await space.put(name, bytes, options.signal ? { signal: options.signal } : {});
      options.onFile?.({ action: 'copy', name, size: bytes.length, done, total });
    } else {
      const bytes = await space.get(name, options);
      const temp = join(dir, `.${randomUUID()}.bk-sync.tmp`);
      await writeFile(temp, bytes);
      await rename(temp, join(dir, name));
      options.onFile?.({ action: 'copy', name, size: bytes.length, done, total });
    }
  }

  if (options.delete) {
    for (const name of deletions) {
      throwIfAborted(options.signal);
      done++;
      result.deleted.push(name);
      if (options.dryRun) continue;
      if (options.direction === 'upload') await space.delete(name, options);
      else await rm(join(dir, name), { force: true });
      options.onFile?.({ action: 'delete', name, size: 0, done, total });
    }
  }
  return result;
}
