/**
 * A day's counts: the 10 s agg rows of a set of segments in one object per (org, day), so a count over a
 * day needs one GET instead of one per agg file. It is a cache of immutable files: its rows are exactly
 * the sum of the agg files of the segments it names, so it is right whenever those segments are still
 * live (or were compacted into live segments, see {@link coveredSegments}); a query counts every other
 * segment from its own agg file. Being stale costs requests, never a wrong count.
 *
 * The rows are in parts (`counts-part.ts`): adding segments appends a part without decoding the others,
 * and many parts are merged into one. Stored as `BKLC` + version byte + little-endian u32 header length +
 * u32 FNV-1a of the header + a UTF-8 JSON header (the covered segment ids; per part its code tables, row
 * count, sizes and body checksum) + the parts' ZSTD bodies in order.
 */
import { bkError } from '../../errors.js';
import { fnv1a, type StoredPart } from './counts-part.js';
import type { IndexedSegment } from './day-index.js';

export const DAY_COUNTS_FORMAT = 'bucketkit.lake.counts/1';

/** A day's counts as stored: covered segment ids and the parts (bodies still compressed). */
export interface DayCounts {
  /** Ids of the segments whose agg rows the parts hold, sorted. */
  segments: string[];
  parts: StoredPart[];
}

interface Header {
  format: typeof DAY_COUNTS_FORMAT;
  segments: string[];
  parts: (Omit<StoredPart, 'body'> & { bodyBytes: number })[];
}

const MAGIC = [0x42, 0x4b, 0x4c, 0x43, 1]; // "BKLC", version 1
const HEAD_AT = MAGIC.length + 8;
const MAX_ROWS = 50_000_000;

/**
 * The stored bytes of a day's counts (part bodies are copied, not recompressed).
 *
 * @example
 * ```ts
 * await port.put(dayCountsKey(org, dateint), encodeDayCounts({ segments, parts }));
 * ```
 */
export function encodeDayCounts(counts: DayCounts): Uint8Array {
  const header: Header = {
    format: DAY_COUNTS_FORMAT,
    segments: counts.segments,
    parts: counts.parts.map(({ body, ...meta }) => ({ ...meta, bodyBytes: body.byteLength })),
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const bodies = counts.parts.reduce((n, p) => n + p.body.byteLength, 0);
  const out = new Uint8Array(HEAD_AT + head.byteLength + bodies);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.byteLength, true);
  new DataView(out.buffer).setUint32(MAGIC.length + 4, fnv1a(head), true);
  let at = HEAD_AT;
  out.set(head, at);
  at += head.byteLength;
  for (const part of counts.parts) {
    out.set(part.body, at);
    at += part.body.byteLength;
  }
  return out;
}

/**
 * Parses stored counts (part bodies stay compressed: `decodePart` reads one); `Corrupt` for anything
 * that is not such an object.
 *
 * @example
 * ```ts
 * const counts = decodeDayCounts(await got.bytes(), key);
 * ```
 */
export function decodeDayCounts(bytes: Uint8Array, key: string): DayCounts {
  const corrupt = (why: string, cause?: unknown) =>
    bkError('Corrupt', `the day counts ${key} are damaged (${why}); delete them, the lake rebuilds them`, {
      details: { key },
      ...(cause === undefined ? {} : { cause }),
    });
  if (bytes.byteLength < HEAD_AT || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('no BKLC header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEAD_AT);
  let at = HEAD_AT + view.getUint32(MAGIC.length, true);
  if (at > bytes.byteLength) throw corrupt('header past the end');
  if (fnv1a(bytes.subarray(HEAD_AT, at)) !== view.getUint32(MAGIC.length + 4, true))
    throw corrupt('header checksum');
  let header: Header;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEAD_AT, at));
    header = JSON.parse(text);
  } catch (err) {
    throw corrupt('header is not JSON', err);
  }
  if (!validHeader(header)) throw corrupt('header fields');
  const parts: StoredPart[] = [];
  for (const { bodyBytes, ...meta } of header.parts) {
    if (at + bodyBytes > bytes.byteLength) throw corrupt('a part past the end');
    parts.push({ ...meta, body: bytes.subarray(at, at + bodyBytes) });
    at += bodyBytes;
  }
  if (at !== bytes.byteLength) throw corrupt('bytes after the last part');
  return { segments: header.segments, parts };
}

function validHeader(h: Header): boolean {
  const strings = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'string');
  const count = (n: unknown, max: number) =>
    Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max;
  return (
    h !== null &&
    typeof h === 'object' &&
    h.format === DAY_COUNTS_FORMAT &&
    strings(h.segments) &&
    Array.isArray(h.parts) &&
    h.parts.every(
      (p) =>
        p !== null &&
        typeof p === 'object' &&
        Array.isArray(p.levels) &&
        p.levels.every((v) => v === null || typeof v === 'string') &&
        strings(p.streamFields) &&
        Array.isArray(p.streams) &&
        p.streams.every(
          (s) => Array.isArray(s) && s.length === 2 && count(s[0], 2 ** 32 - 1) && typeof s[1] === 'string',
        ) &&
        count(p.rows, MAX_ROWS) &&
        count(p.rawBytes, MAX_ROWS * 40) &&
        count(p.check, 2 ** 32 - 1) &&
        count(p.bodyBytes, MAX_ROWS * 40),
    )
  );
}

/**
 * The live segments of a day whose rows stored counts hold, or undefined when the counts cannot be used
 * (they hold rows of a segment that is no longer live and was not compacted into a live one whose inputs
 * they all hold). A compaction output whose inputs are all covered is covered: its agg rows are their sum.
 *
 * @example
 * ```ts
 * const covered = coveredSegments(counts.segments, index.segments); // Map id → segment, or undefined
 * ```
 */
export function coveredSegments(
  ids: readonly string[],
  segments: readonly IndexedSegment[],
): Map<string, IndexedSegment> | undefined {
  const covered = new Set(ids);
  const outputs = segments.filter((s) => s.replaces !== undefined && s.replaces.length > 0);
  for (let changed = true; changed; ) {
    changed = false;
    for (const output of outputs) {
      if (covered.has(output.id) || !output.replaces!.every((id) => covered.has(id))) continue;
      for (const id of output.replaces!) covered.delete(id);
      covered.add(output.id);
      changed = true;
    }
  }
  const live = new Map(segments.filter((s) => s.published && s.aggBytes > 0).map((s) => [s.id, s]));
  const out = new Map<string, IndexedSegment>();
  for (const id of covered) {
    const segment = live.get(id);
    if (!segment) return undefined;
    out.set(id, segment);
  }
  return out;
}
