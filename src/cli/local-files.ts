/**
 * Local files and folders named on the command line: checked before any storage call, and Node's
 * errno errors turned into one-line `BucketkitError`s that say which path and what to do.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type BucketkitError, bkError } from '../errors.js';

/**
 * The `BucketkitError` for a failed file-system call on `path`, or undefined when `error` is not an
 * errno error.
 *
 * @example
 * ```ts
 * await readFile(path).catch((e) => { throw localError(e, path) ?? e; });
 * ```
 */
export function localError(error: unknown, path?: string): BucketkitError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const where = `"${path ?? e.path ?? 'a local file'}"`;
  const options = { cause: error, details: { path: path ?? e.path, errno: e.code } };
  switch (e.code) {
    case 'ENOENT':
      return bkError('NotFound', `no such file or folder ${where}; check the path`, options);
    case 'EACCES':
    case 'EPERM':
      return bkError('AccessDenied', `permission denied on ${where}; check its permissions`, options);
    case 'EISDIR':
      return bkError('InvalidArgument', `${where} is a folder; give a file`, options);
    case 'ENOTDIR':
      return bkError(
        'InvalidArgument',
        `a part of ${where} is a file, not a folder; check the path`,
        options,
      );
    case 'ENOSPC':
      return bkError('Backend', `no space left on the disk writing ${where}; free some space`, options);
    default:
      return bkError('Backend', `${e.code} on ${where}: ${e.message.split('\n')[0]}`, options);
  }
}

/**
 * Checks that `path` is a readable regular file and returns its size.
 *
 * @example
 * ```ts
 * const size = await readableFile('./dump.sql');
 * ```
 */
export async function readableFile(path: string): Promise<number> {
  const info = await stat(path).catch((error: unknown) => {
    throw localError(error, path) ?? error;
  });
  if (info.isDirectory()) throw bkError('InvalidArgument', `"${path}" is a folder; give a file`);
  return info.size;
}

/**
 * The folder a `file://` URL names, or undefined for other schemes (as `connect` reads it).
 *
 * @example
 * ```ts
 * localFolderOf('file://./data'); // '/home/me/data'
 * ```
 */
export function localFolderOf(url: string): string | undefined {
  const match = /^file:\/\/(.*)$/i.exec(url);
  if (!match) return undefined;
  try {
    const path = decodeURIComponent(match[1]!.split('?')[0]!);
    return path === '' ? undefined : resolve(path);
  } catch {
    return undefined; // connect() reports the malformed URL
  }
}

/**
 * Throws `NotFound` when a `file://` URL names a folder that does not exist: reading it would show
 * nothing, as if it were empty.
 *
 * @example
 * ```ts
 * await requireFolder('file://./typo'); // NotFound: the folder "./typo" does not exist
 * ```
 */
export async function requireFolder(url: string): Promise<void> {
  const folder = localFolderOf(url);
  if (folder === undefined) return;
  const info = await stat(folder).catch((error: unknown) => {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw bkError('NotFound', `the folder "${folder}" does not exist; check the path in ${url}`, {
        cause: error,
      });
    }
    throw localError(error, folder) ?? error;
  });
  if (!info.isDirectory()) {
    throw bkError('InvalidArgument', `"${folder}" is a file; a file:// URL names a folder`);
  }
}
