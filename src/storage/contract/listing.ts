import type { ListEntry, ListedObject, ListOptions } from './port.js';

/**
 * Compares two strings in UTF-8 byte order, the order S3 lists keys in, without encoding them.
 * UTF-16 code units already sort like UTF-8 bytes except that surrogates (U+D800-DFFF, i.e. code
 * points past U+FFFF) must come after U+E000-FFFF: shift the two ranges past each other.
 *
 * @example
 * ```ts
 * ['😀', '\uffee'].sort(compareUtf8); // ['\uffee', '😀']
 * ```
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * Cuts a stream of objects in key order the way S3 lists them: prefix, startAfter, and a delimiter
 * that folds keys sharing a prefix up to it into one `prefix` entry. `folded` names the common prefix
 * the last key fell into, so a walker can skip the rest of it.
 *
 * @example
 * ```ts
 * const cut = new ListingCut({ delimiter: '/' });
 * cut.next(object); // the object, a { type: 'prefix' } entry once per common prefix, or undefined
 * ```
 */
export class ListingCut {
  /** The common prefix the last key folded into, if any. */
  folded: string | undefined;
  private readonly prefix: string;

  constructor(private readonly options: ListOptions) {
    this.prefix = options.prefix ?? '';
  }

  /** Whether `key` is in the listing at all (prefix and startAfter). */
  wants(key: string): boolean {
    const { startAfter } = this.options;
    return key.startsWith(this.prefix) && (startAfter === undefined || compareUtf8(key, startAfter) > 0);
  }

  /** What to yield for the next object in key order, if anything. */
  next(object: ListedObject): ListEntry | undefined {
    if (!this.wants(object.key)) return undefined;
    const { delimiter, startAfter } = this.options;
    if (!delimiter) return object;
    const at = object.key.indexOf(delimiter, this.prefix.length);
    if (at < 0) return object;
    const common = object.key.slice(0, at + delimiter.length);
    if (common === this.folded) return undefined;
    this.folded = common;
    return startAfter === undefined || compareUtf8(common, startAfter) > 0
      ? { type: 'prefix', prefix: common }
      : undefined;
  }
}

/**
 * Applies prefix, startAfter and delimiter to a set of objects the way S3 does, for ports that hold
 * their whole key space locally (memory). Input order does not matter.
 *
 * @example
 * ```ts
 * const entries = [...applyListing(objects, { prefix: 'a/', delimiter: '/' })];
 * ```
 */
export function* applyListing(objects: ListedObject[], options: ListOptions): Generator<ListEntry> {
  const cut = new ListingCut(options);
  const selected = objects.filter((o) => cut.wants(o.key)).sort((a, b) => compareUtf8(a.key, b.key));
  for (const object of selected) {
    const entry = cut.next(object);
    if (entry) yield entry;
  }
}
