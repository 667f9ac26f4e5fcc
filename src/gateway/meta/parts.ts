import type { Metadata } from '../../storage/index.js';
import { ETAG_META, HIDDEN_PREFIX } from '../http.js';
import { s3Error } from '../s3-errors.js';

/** Hidden metadata key holding a multipart object's part sizes (run-length: `size*count,size`). */
export const PARTS_META = `${HIDDEN_PREFIX}parts`;

/**
 * Writes part sizes compactly: equal neighbours are one run, so the usual upload (equal parts and a
 * shorter last one) is two entries whatever its part count.
 *
 * @example
 * ```ts
 * encodePartSizes([5, 5, 5, 2]); // '5*3,2'
 * ```
 */
export function encodePartSizes(sizes: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < sizes.length; ) {
    let j = i;
    while (j + 1 < sizes.length && sizes[j + 1] === sizes[i]) j++;
    const count = j - i + 1;
    runs.push(count === 1 ? String(sizes[i]) : `${sizes[i]}*${count}`);
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * Reads what `encodePartSizes` wrote; undefined for anything else.
 *
 * @example
 * ```ts
 * decodePartSizes('5*3,2'); // [5, 5, 5, 2]
 * ```
 */
export function decodePartSizes(text: string | undefined): number[] | undefined {
  if (!text || !/^\d+(\*\d+)?(,\d+(\*\d+)?)*$/.test(text)) return undefined;
  const sizes: number[] = [];
  for (const run of text.split(',')) {
    const [size, count = '1'] = run.split('*');
    for (let i = 0; i < Number(count) && sizes.length <= 10_000; i++) sizes.push(Number(size));
  }
  return sizes.length > 10_000 ? undefined : sizes;
}

/** Part layouts longer than this are not kept (metadata is 2 KiB); such objects answer partNumber as one part. */
const MAX_LAYOUT = 1024;

/** The hidden metadata entry recording a completed upload's part sizes (none when too irregular to keep). */
export function partsMetadata(sizes: readonly number[]): Metadata {
  const text = encodePartSizes(sizes);
  return text.length <= MAX_LAYOUT ? { [PARTS_META]: text } : {};
}

/** `?partNumber=`: an integer 1 to 10,000, or undefined when absent. */
export function requestedPart(query: Map<string, string>): number | undefined {
  const raw = query.get('partNumber');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 10_000) {
    throw s3Error('InvalidArgument', 400, 'Part number must be an integer between 1 and 10000, inclusive');
  }
  return n;
}

/**
 * The byte range of part `n` of an object, as GetObject/HeadObject with `partNumber` serve it: a part
 * of a multipart object with the part count, or for any other object part 1 as the whole object.
 * A part past the last is `InvalidPartNumber` (416), as S3 answers.
 *
 * @example
 * ```ts
 * partRange({ size: 12, etag: 'e-3', metadata: { 'bucketkit.parts': '5*2,2' } }, 2); // { start: 5, end: 9, count: 3 }
 * ```
 */
export function partRange(
  object: { size: number; etag: string; metadata: Metadata },
  n: number,
): { start: number; end: number; count?: number } | undefined {
  const sizes = decodePartSizes(object.metadata[PARTS_META]);
  const notSatisfiable = () =>
    s3Error('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable', { partNumber: n });
  if (!sizes) {
    if (/-\d+$/.test(object.metadata[ETAG_META] ?? object.etag)) {
      throw s3Error(
        'NotImplemented',
        501,
        'this object was assembled without a record of its part sizes; use a Range',
      );
    }
    if (n !== 1) throw notSatisfiable();
    // the whole object; an empty one has no byte range to name
    return object.size === 0 ? undefined : { start: 0, end: object.size - 1 };
  }
  if (n > sizes.length) throw notSatisfiable();
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += sizes[i]!;
  return { start, end: start + sizes[n - 1]! - 1, count: sizes.length };
}
