/**
 * A folder port's listing walk: the object records below a folder, in key order, read only as the
 * listing reaches them — a page of a large bucket reads the records on that page, not the bucket's.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../../errors.js';
import { compareUtf8 } from '../contract/listing.js';
import { listedObjectOf } from '../contract/object-info.js';
import type { ListedObject } from '../contract/port.js';
import { assertValidKey } from '../contract/validate.js';
import { isMissing } from './io.js';
import { keyToPath, kindOfName, pathToKey } from './paths.js';
import { readRecordNow } from './record.js';

/** Records a listing reads between two turns of the event loop. */
const LIST_READS_PER_TURN = 128;

/**
 * What a walk may leave out: keys outside `prefix`, keys up to `startAfter`, and keys under `skip` (a
 * common prefix the listing has folded already; the caller moves it as the listing goes).
 */
export interface WalkBounds {
  prefix: string;
  startAfter?: string;
  skip?: string;
}

/** One directory entry, placed by the key it holds (a record) or every key below it starts with. */
interface Entry {
  key: string;
  name: string;
  folder: boolean;
}

/**
 * Yields every object whose record lies below `root/dirs…` and within `bounds`, in UTF-8 key order.
 * Within a folder every key below a subfolder starts with the subfolder's `key/`, which no sibling's
 * key does, so sorting siblings by key and walking subfolders in place keeps the global order.
 *
 * @example
 * ```ts
 * for await (const object of walkObjects('/data', ['logs'], { prefix: 'logs/' })) console.log(object.key);
 * ```
 */
export async function* walkObjects(
  root: string,
  dirs: string[],
  bounds: WalkBounds,
  signal?: AbortSignal,
  budget = { reads: 0 },
): AsyncGenerator<ListedObject> {
  throwIfAborted(signal);
  const dir = join(root, ...dirs);
  const names = await entriesOf(dir);
  // a segment too long for one name continues in a `~+` folder whose keys may fall between siblings'
  // keys: such a folder is read whole and sorted (keys that long are rare)
  if (names.some((e) => e.isDirectory() && kindOfName(e.name) === 'continuation')) {
    const objects: ListedObject[] = [];
    await collectObjects(root, dirs, objects, signal, budget, bounds);
    objects.sort((a, b) => compareUtf8(a.key, b.key));
    for (const object of objects) if (keyWanted(object.key, bounds)) yield object;
    return;
  }
  const entries: Entry[] = [];
  for (const entry of names) {
    const kind = kindOfName(entry.name);
    if (entry.isDirectory() && kind === 'directory') {
      const key = folderKey(dirs, entry.name);
      if (key !== undefined) entries.push({ key, name: entry.name, folder: true });
    } else if (entry.isFile() && kind === 'record') {
      const key = safeKey(dirs, entry.name.slice(0, -1));
      if (key !== undefined) entries.push({ key, name: entry.name, folder: false });
    }
  }
  entries.sort((a, b) => compareUtf8(a.key, b.key));
  for (const entry of entries) {
    if (entry.folder) {
      if (folderWanted(entry.key, bounds))
        yield* walkObjects(root, [...dirs, entry.name], bounds, signal, budget);
      continue;
    }
    if (!keyWanted(entry.key, bounds)) continue;
    await takeTurn(budget, signal);
    const record = readRecordNow(join(dir, entry.name), entry.key)?.record;
    if (record) yield listedObjectOf(record, entry.key);
  }
}

/**
 * Appends to `into` every object within `bounds` whose record lies below `root/dirs…`, in no order.
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
  bounds: WalkBounds = { prefix: '' },
): Promise<void> {
  throwIfAborted(signal);
  const dir = join(root, ...dirs);
  for (const entry of await entriesOf(dir)) {
    const kind = kindOfName(entry.name);
    if (entry.isDirectory() && (kind === 'directory' || kind === 'continuation')) {
      await collectObjects(root, [...dirs, entry.name], into, signal, budget, bounds);
    } else if (entry.isFile() && kind === 'record') {
      // the key is what the path says, relative to this root (the record's own key field is where
      // it was written from, which may be another root)
      const key = safeKey(dirs, entry.name.slice(0, -1));
      if (key === undefined || !keyWanted(key, bounds)) continue;
      await takeTurn(budget, signal);
      const record = readRecordNow(join(dir, entry.name), key)?.record;
      if (record) into.push(listedObjectOf(record, key));
    }
  }
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * Records are read with synchronous syscalls (three thread-pool round trips each cost ~8× more), and
 * the event loop gets a turn every LIST_READS_PER_TURN of them (~2 ms).
 */
async function takeTurn(budget: { reads: number }, signal?: AbortSignal): Promise<void> {
  if (++budget.reads % LIST_READS_PER_TURN !== 0) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfAborted(signal);
}

function keyWanted(key: string, { prefix, startAfter, skip }: WalkBounds): boolean {
  return (
    key.startsWith(prefix) &&
    (startAfter === undefined || compareUtf8(key, startAfter) > 0) &&
    !(skip !== undefined && key.startsWith(skip))
  );
}

/** Whether any key starting with `folder` (which ends in `/`) may be in the listing. */
function folderWanted(folder: string, { prefix, startAfter, skip }: WalkBounds): boolean {
  if (!folder.startsWith(prefix) && !prefix.startsWith(folder)) return false;
  // startAfter past the folder and not inside it: every key below is at or before startAfter
  if (startAfter !== undefined && compareUtf8(startAfter, folder) > 0 && !startAfter.startsWith(folder))
    return false;
  return !(skip !== undefined && folder.startsWith(skip));
}

/**
 * What every key below the folder `name` starts with (ending in `/`), or undefined for a folder this
 * port would not make (such as `my data`, which a key would map to `my%20data`): nothing below it lists.
 */
function folderKey(dirs: string[], name: string): string | undefined {
  let key: string;
  try {
    key = pathToKey([...dirs, name], '');
  } catch {
    return undefined;
  }
  const canonical = keyToPath(`${key}x`).dirs;
  if (canonical.length !== dirs.length + 1 || canonical.at(-1) !== name) return undefined;
  return key;
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
