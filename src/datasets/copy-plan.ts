/**
 * Planning the parts of a server-side concatenation. S3 requires every part but the last to be at
 * least 5 MiB, and a copied part to be one byte range of one object. Each source segment of at least
 * `minPart` bytes is copied; smaller ones (and the end-of-archive) are "glue" that the client
 * fetches and uploads, borrowing the head of the next large segment when glue alone is too small.
 */

/** A byte range `[start, end)` of one object. */
export interface Segment {
  key: string;
  start: number;
  end: number;
}

/** One part of the plan: copied server-side, or assembled by the client from pieces. */
export type PlannedPart =
  | { kind: 'copy'; key: string; start: number; end: number }
  | { kind: 'upload'; size: number; pieces: (Segment | { zeros: number })[] };

/** S3's smallest part (all but the last). */
export const MIN_PART = 5 * 1024 * 1024;
/** S3's largest part. */
export const MAX_PART = 5 * 1024 * 1024 * 1024;

/**
 * The parts that write `segments` one after the other, then `trailer` zero bytes. Every part but
 * the last has at least `minPart` bytes and none more than `maxPart`; glue parts stay under
 * `2 × minPart + trailer` bytes, so client memory is bounded.
 *
 * @example
 * ```ts
 * const parts = planParts([{ key: 'a.tar', start: 0, end: 6 << 20 }], 1024);
 * // [{ kind: 'copy', key: 'a.tar', start: 0, end: 6291456 }, { kind: 'upload', size: 1024, ... }]
 * ```
 */
export function planParts(
  segments: readonly Segment[],
  trailer: number,
  minPart = MIN_PART,
  maxPart = MAX_PART,
): PlannedPart[] {
  const parts: PlannedPart[] = [];
  let glue: (Segment | { zeros: number })[] = [];
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    parts.push({ kind: 'upload', size, pieces: glue });
    glue = [];
    size = 0;
  };
  const addGlue = (key: string, start: number, end: number) => {
    if (end <= start) return;
    glue.push({ key, start, end });
    size += end - start;
    if (size >= minPart) flush();
  };
  for (const seg of segments) {
    let pos = seg.start;
    if (size > 0) {
      const need = minPart - size;
      if (seg.end - pos - need < minPart) {
        addGlue(seg.key, pos, seg.end);
        continue;
      }
      addGlue(seg.key, pos, pos + need);
      pos += need;
    }
    let rest = seg.end - pos;
    if (rest < minPart) {
      addGlue(seg.key, pos, seg.end);
      continue;
    }
    while (rest > maxPart) {
      const take = rest - maxPart >= minPart ? maxPart : rest - minPart;
      parts.push({ kind: 'copy', key: seg.key, start: pos, end: pos + take });
      pos += take;
      rest -= take;
    }
    parts.push({ kind: 'copy', key: seg.key, start: pos, end: seg.end });
  }
  if (trailer > 0) {
    glue.push({ zeros: trailer });
    size += trailer;
  }
  flush();
  return parts;
}
