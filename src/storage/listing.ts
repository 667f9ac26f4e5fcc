import type { ListEntry, ListedObject, ListOptions } from './port.js';

const encoder = new TextEncoder();

/** Compares two strings in UTF-8 byte order, the order S3 lists keys in. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
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
