/**
 * Listing through a `delta()` port: `<name>.delta` is shown as `<name>` with its original size and
 * ETag, `reference.bin` is hidden, and the order stays UTF-8 byte order even though renaming moves
 * keys (`a.delta` → `a` sorts before `a-b`, which the backend listed first).
 */

import { compareUtf8 } from '../storage/browser.js';
import type { ListEntry, ListedObject, ListOptions } from '../storage/index.js';
import { DELTA_SUFFIX } from './names.js';

/** What one backend entry becomes: itself, a renamed delta (with its original size), or nothing. */
export type MapEntry = (entry: ListEntry) => Promise<ListEntry | undefined>;

const sortKey = (entry: ListEntry) => (entry.type === 'object' ? entry.key : entry.prefix);

/**
 * The largest `<p>.delta` over the proper prefixes `p` of `key` (longer than `floor`) that sorts after
 * `key`: until the backend listing passes it, a delta still to come could map to a key before `key`.
 */
function blocker(key: string, floor: number): string | undefined {
  let worst: string | undefined;
  for (let i = Math.max(floor, 1); i < key.length; i++) {
    if (key.charCodeAt(i) > 0x2e) continue; // p + '.delta' sorts before key
    const candidate = key.slice(0, i) + DELTA_SUFFIX;
    if (compareUtf8(candidate, key) <= 0) continue;
    if (worst === undefined || compareUtf8(candidate, worst) > 0) worst = candidate;
  }
  return worst;
}

interface Pending {
  entry: ListEntry;
  key: string;
  blocker: string | undefined;
}

/**
 * Re-sorts a mapped listing with a small look-ahead buffer, filtering by `prefix` and `startAfter` on
 * the mapped keys. When a file exists in both forms, the direct object wins (it is what `get` reads).
 *
 * @example
 * ```ts
 * for await (const entry of mappedListing(port.list(options), options, mapEntry)) yield entry;
 * ```
 */
export async function* mappedListing(
  source: AsyncIterable<ListEntry>,
  options: ListOptions,
  map: MapEntry,
): AsyncGenerator<ListEntry> {
  const prefix = options.prefix ?? '';
  const pending: Pending[] = [];
  let last: string | undefined;
  const add = (entry: ListEntry) => {
    const key = sortKey(entry);
    if (!key.startsWith(prefix)) return;
    if (options.startAfter !== undefined && compareUtf8(key, options.startAfter) <= 0) return;
    if (last !== undefined && compareUtf8(key, last) <= 0) return; // already emitted
    let at = pending.findIndex((p) => compareUtf8(p.key, key) >= 0);
    if (at === -1) at = pending.length;
    const same = pending[at];
    if (same && same.key === key) {
      if (entry.type === 'object' && !isRenamed(entry)) pending[at] = { entry, key, blocker: same.blocker };
      return;
    }
    pending.splice(at, 0, { entry, key, blocker: blocker(key, prefix.length) });
  };
  for await (const raw of source) {
    const mapped = await map(raw);
    if (mapped) add(mapped);
    const seen = sortKey(raw);
    while (pending.length > 0) {
      const head = pending[0] as Pending;
      if (head.blocker !== undefined && compareUtf8(head.blocker, seen) > 0) break;
      pending.shift();
      last = head.key;
      yield strip(head.entry);
    }
  }
  for (const p of pending) yield strip(p.entry);
}

const RENAMED = Symbol('renamed');

/** Marks an object entry as a renamed delta, so a direct object of the same name wins over it. */
export function renamed(entry: ListedObject): ListedObject {
  return Object.assign(entry, { [RENAMED]: true });
}

function isRenamed(entry: ListedObject): boolean {
  return (entry as ListedObject & { [RENAMED]?: boolean })[RENAMED] === true;
}

function strip(entry: ListEntry): ListEntry {
  if (entry.type !== 'object' || !isRenamed(entry)) return entry;
  const { key, size, etag, lastModified } = entry;
  return { type: 'object', key, size, etag, lastModified };
}
