/** A folder port's listing walk: the object records below a folder, for `applyListing` to order and cut. */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../../errors.js';
import { listedObjectOf } from '../contract/object-info.js';
import type { ListedObject } from '../contract/port.js';
import { assertValidKey } from '../contract/validate.js';
import { isMissing } from './io.js';
import { keyToPath, kindOfName, pathToKey } from './paths.js';
import { readRecordNow } from './record.js';

/** Records a listing reads between two turns of the event loop. */
const LIST_READS_PER_TURN = 128;

/**
 * Appends to `into` every object whose record lies below `root/dirs…`, walking folders depth-first.
 *
 * @example
 * ```ts
 * const objects: ListedObject[] = [];
 * await collectObjects('/data', ['logs'], objects);
 * ```
 */
export async function collectObjects(
  root: string,
  dirs: string[],
  into: ListedObject[],
  signal?: AbortSignal,
  budget = { reads: 0 },
): Promise<void> {
  throwIfAborted(signal);
  const dir = join(root, ...dirs);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const kind = kindOfName(entry.name);
    if (entry.isDirectory() && (kind === 'directory' || kind === 'continuation')) {
      await collectObjects(root, [...dirs, entry.name], into, signal, budget);
    } else if (entry.isFile() && kind === 'record') {
      // Records are read with synchronous syscalls (three thread-pool round trips each cost ~8× more),
      // and the event loop gets a turn every LIST_READS_PER_TURN of them (~2 ms).
      if (++budget.reads % LIST_READS_PER_TURN === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
      }
      // the key is what the path says, relative to this root (the record's own key field is where
      // it was written from, which may be another root)
      const key = safeKey(dirs, entry.name.slice(0, -1));
      if (key === undefined) continue;
      const record = readRecordNow(join(dir, entry.name), key)?.record;
      if (record) into.push(listedObjectOf(record, key));
    }
  }
}

/**
 * The key a record's path decodes to, or undefined for a path this port would not make for it (a
 * folder named by someone else, such as `my data`, which the key `my data` would map to `my%20data`),
 * or a key too long to be one.
 */
function safeKey(dirs: string[], base: string): string | undefined {
  let key: string;
  try {
    key = pathToKey(dirs, base);
    assertValidKey(key);
  } catch {
    return undefined;
  }
  const canonical = keyToPath(key);
  if (canonical.base !== base || canonical.dirs.length !== dirs.length) return undefined;
  for (let i = 0; i < dirs.length; i++) if (canonical.dirs[i] !== dirs[i]) return undefined;
  return key;
}
