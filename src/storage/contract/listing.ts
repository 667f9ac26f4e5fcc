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
 * Applies prefix, startAfter and delimiter to a set of objects the way S3 does, for ports that hold
 * their whole key space locally (memory, file). Input order does not matter.
 *
 * @example
 * ```ts
 * const entries = [...applyListing(objects, { prefix: 'a/', delimiter: '/' })];
 * ```
 */
export function* applyListing(objects: ListedObject[], options: ListOptions): Generator<ListEntry> {
  const prefix = options.prefix ?? '';
  const { delimiter, startAfter } = options;
  const selected = objects
    .filter(
      (o) => o.key.startsWith(prefix) && (startAfter === undefined || compareUtf8(o.key, startAfter) > 0),
    )
    .sort((a, b) => compareUtf8(a.key, b.key));
  let lastPrefix: string | undefined;
  for (const object of selected) {
    if (delimiter) {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        const common = object.key.slice(0, at + delimiter.length);
        if (common !== lastPrefix) {
          lastPrefix = common;
          if (startAfter === undefined || compareUtf8(common, startAfter) > 0)
            yield { type: 'prefix', prefix: common };
        }
        continue;
      }
    }
    yield object;
  }
}
