import { join, sep } from 'node:path';
import { bkError } from '../../errors.js';
import { assertValidKey } from '../contract/validate.js';
import { keyToPath } from './paths.js';
import { readRecordNow, type StoredRecord } from './record.js';

/** Where a key's files are. */
export interface Location {
  dir: string;
  base: string;
  record: string;
  lock: string;
}

/** How many folders' (and long or escaped keys') paths a folder remembers. */
const REMEMBERED_MAX = 4096;

/**
 * A last segment that is its own file name (paths.ts): safe characters only, no leading dot, short
 * enough for one name. Most keys end in one, every gateway version object does.
 */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;

/** `dir` ending in one separator: a root such as `/` or `C:\\` already does. */
function withSeparator(dir: string): string {
  return dir.endsWith(sep) ? dir : dir + sep;
}

/** A bounded map that forgets its oldest entry when full. */
function remember<T>(map: Map<string, T>, key: string, value: T): T {
  if (map.size >= REMEMBERED_MAX) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

/** A port's folder: its root, whether writes are synced, and where each key's files are. */
export class Folder {
  readonly name: string;
  // a key's folder is remembered by the key's prefix, not by the key: a writer that makes a new key
  // each time (a gateway version) neither maps the whole key again nor pushes the keys in use out
  private readonly folders = new Map<string, string>();
  // keys whose last segment needs escaping or splitting: mapping them costs more than a small read
  private readonly located = new Map<string, Location>();

  constructor(
    readonly root: string,
    readonly durable: boolean,
  ) {
    this.name = `file:${root}`;
  }

  /** The key's files; `InvalidKey` for a key that is not valid or maps outside the root. */
  locate(key: string): Location {
    assertValidKey(key);
    const slash = key.lastIndexOf('/');
    const base = slash < 0 ? key : key.slice(slash + 1);
    if (PLAIN_NAME.test(base)) {
      const dir = slash < 0 ? this.root : this.folderOf(key.slice(0, slash));
      const inside = withSeparator(dir);
      return { dir, base, record: `${inside}${base}~`, lock: `${inside}${base}~l` };
    }
    return this.located.get(key) ?? remember(this.located, key, this.map(key));
  }

  /**
   * The folder of keys `${prefix}/NAME` with a plain NAME (the prefix's segments as folders). A plain
   * last segment is a folder of its own name in its parent's folder, so a bucket with more folders
   * than are remembered (a gateway's version folder per key) maps a forgotten one from its parent.
   */
  private folderOf(prefix: string): string {
    const known = this.folders.get(prefix);
    if (known !== undefined) return known;
    const slash = prefix.lastIndexOf('/');
    const last = slash < 0 ? prefix : prefix.slice(slash + 1);
    const dir = PLAIN_NAME.test(last)
      ? join(slash < 0 ? this.root : this.folderOf(prefix.slice(0, slash)), last)
      : this.map(`${prefix}/_`, prefix).dir;
    return remember(this.folders, prefix, dir);
  }

  /** The full mapping of paths.ts, checked to stay under the root (`named` in the error). */
  private map(key: string, named = key): Location {
    const { dirs, base } = keyToPath(key);
    const dir = join(this.root, ...dirs);
    if (dir !== this.root && !dir.startsWith(withSeparator(this.root))) {
      throw bkError('InvalidKey', `key "${named}" maps outside the storage root`, {
        details: { key: named },
      });
    }
    return { dir, base, record: join(dir, `${base}~`), lock: join(dir, `${base}~l`) };
  }

  /** The key's record, or `NotFound`. */
  mustReadRecord(key: string, at: Location): StoredRecord {
    const stored = readRecordNow(at.record, key);
    if (!stored) throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    return stored;
  }
}
