/**
 * What a dataset holds, for clients that fetch by themselves: presigned ranged GETs over a run of
 * datapoints (datas3t's download API), and the present datapoints as runs and as a bitmap.
 */
import { bkError } from '../errors.js';
import type { Dataset } from './datasets.js';
import { coverage, loadIndex, type Span } from './read.js';
import { entriesRange } from './tar-index.js';

/** One presigned GET: the `Range` header to send with it yields datapoints `first..last` as TAR. */
export interface PresignedSegment {
  url: string;
  key: string;
  first: bigint;
  last: bigint;
  /** Inclusive byte range. */
  range: { start: number; end: number };
  /** The header value, `bytes=start-end`. */
  header: string;
}

/**
 * Presigned GET URLs with byte ranges for datapoints `from..to`, one per datarange in ascending
 * order; the ranges concatenate into a TAR stream, to which 1024 zero bytes add the end marker.
 * Missing datapoints are reported in `gaps`, never hidden. Throws `Unsupported` when the port
 * cannot presign.
 *
 * @example
 * ```ts
 * const { segments, gaps } = await presignRange(ds, 1n, 5000n, { expiresIn: 3600 });
 * for (const s of segments) await fetch(s.url, { headers: { Range: s.header } });
 * ```
 */
export async function presignRange(
  dataset: Dataset,
  from: bigint | number,
  to: bigint | number,
  options: { expiresIn?: number; signal?: AbortSignal } = {},
): Promise<{ segments: PresignedSegment[]; gaps: Span[]; terminator: number }> {
  const { port } = dataset;
  if (!port.presign || !(await port.capabilities({ signal: options.signal })).presign) {
    throw bkError('Unsupported', `${port.name} cannot presign URLs; read with range() instead`, {
      details: { port: port.name },
    });
  }
  const lo = BigInt(from);
  const hi = BigInt(to);
  if (lo > hi) {
    throw bkError('InvalidArgument', `from ${lo} is after to ${hi}`, {
      details: { from: String(lo), to: String(hi) },
    });
  }
  const manifest = await dataset.manifest({ fresh: true, signal: options.signal });
  const segments: PresignedSegment[] = [];
  const gaps: Span[] = [];
  let next = lo;
  for (const r of manifest.dataranges) {
    if (r.last < lo || r.first > hi) continue;
    const first = r.first > lo ? r.first : lo;
    const last = r.last < hi ? r.last : hi;
    if (first > next) gaps.push({ first: next, last: first - 1n });
    const index = await loadIndex(dataset, r, options.signal);
    const range = entriesRange(index, Number(first - r.first), Number(last - r.first));
    const url = await port.presign('GET', r.key, options.expiresIn ? { expiresIn: options.expiresIn } : {});
    segments.push({ url, key: r.key, first, last, range, header: `bytes=${range.start}-${range.end}` });
    next = last + 1n;
  }
  if (next <= hi) gaps.push({ first: next, last: hi });
  return { segments, gaps, terminator: 1024 };
}

/** The bitmap's limit: 2^27 datapoints (16 MiB); narrow `from..to` beyond it. */
export const MAX_BITMAP_BITS = 2 ** 27;

/** Present datapoints of a dataset between two keys. */
export interface Presence {
  /** The bitmap's first key (bit 0). */
  from: bigint;
  to: bigint;
  /** Present runs within `from..to`. */
  ranges: Span[];
  /** Missing runs within `from..to`. */
  gaps: Span[];
  /** Datapoints present. */
  count: bigint;
  /** Bit `i` (byte `i >> 3`, bit `i & 7`, least significant first) is datapoint `from + i`. */
  bitmap: Uint8Array;
}

/**
 * Which datapoints are stored between `from` and `to` (default: the lowest and highest stored),
 * as runs, gaps and a bitmap.
 *
 * @example
 * ```ts
 * const { ranges, gaps, bitmap } = await present(ds);
 * const has42 = (bitmap[42 >> 3]! >> (42 & 7)) & 1;
 * ```
 */
export async function present(
  dataset: Dataset,
  options: { from?: bigint | number; to?: bigint | number; signal?: AbortSignal } = {},
): Promise<Presence> {
  const { present: runs } = await coverage(dataset, { signal: options.signal });
  const from = options.from === undefined ? (runs[0]?.first ?? 0n) : BigInt(options.from);
  const to = options.to === undefined ? (runs.at(-1)?.last ?? -1n) : BigInt(options.to);
  const width = to - from + 1n;
  if (width > BigInt(MAX_BITMAP_BITS)) {
    throw bkError(
      'InvalidArgument',
      `a bitmap of ${width} datapoints is too large; pass from/to spanning at most ${MAX_BITMAP_BITS}`,
      { details: { from: String(from), to: String(to) } },
    );
  }
  const bits = width > 0n ? Number(width) : 0;
  const bitmap = new Uint8Array(Math.ceil(bits / 8));
  const ranges: Span[] = [];
  const gaps: Span[] = [];
  let next = from;
  let count = 0n;
  for (const run of runs) {
    const a = run.first > from ? run.first : from;
    const b = run.last < to ? run.last : to;
    if (a > b) continue;
    if (a > next) gaps.push({ first: next, last: a - 1n });
    ranges.push({ first: a, last: b });
    count += b - a + 1n;
    for (let i = Number(a - from); i <= Number(b - from); i++) bitmap[i >> 3]! |= 1 << (i & 7);
    next = b + 1n;
  }
  if (bits > 0 && next <= to) gaps.push({ first: next, last: to });
  return { from, to, ranges, gaps, count, bitmap };
}
