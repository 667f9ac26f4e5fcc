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

/** How many keys' paths a folder remembers. */
const LOCATED_MAX = 4096;

/** A port's folder: its root, whether writes are synced, and where each key's files are. */
export class Folder {
  readonly name: string;
  // paths of recently used keys: mapping a key costs more than the record read of a small GET
  private readonly located = new Map<string, Location>();

  constructor(
    readonly root: string,
    readonly durable: boolean,
  ) {
    this.name = `file:${root}`;
  }

  /** The key's files; `InvalidKey` for a key that is not valid or maps outside the root. */
  locate(key: string): Location {
    const known = this.located.get(key);
    if (known) return known;
    assertValidKey(key);
    const { dirs, base } = keyToPath(key);
    const dir = join(this.root, ...dirs);
    if (dir !== this.root && !dir.startsWith(this.root + sep)) {
      throw bkError('InvalidKey', `key "${key}" maps outside the storage root`, { details: { key } });
    }
    const at = { dir, base, record: join(dir, `${base}~`), lock: join(dir, `${base}~l`) };
    if (this.located.size >= LOCATED_MAX) this.located.delete(this.located.keys().next().value as string);
    this.located.set(key, at);
    return at;
  }

  /** The key's record, or `NotFound`. */
  mustReadRecord(key: string, at: Location): StoredRecord {
    const stored = readRecordNow(at.record, key);
    if (!stored) throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    return stored;
  }
}
