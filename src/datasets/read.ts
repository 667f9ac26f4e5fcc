/**
 * Reading a dataset: one datapoint by key (one ranged GET once the datarange's index is cached),
 * a run of datapoints as an async iterable, and which datapoints are present and which are gaps.
 */
import { BucketkitError, bkError } from '../errors.js';
import type { Dataset } from './datasets.js';
import { type Datarange, indexKeyOf } from './manifest.js';
import { parseDatapointName } from './names.js';
import { BLOCK, padded } from './tar-format.js';
import { decodeIndex, entriesRange, type IndexEntry } from './tar-index.js';
import { readTar, tarContent } from './tar-read.js';

/** A datapoint read back. */
export interface Datapoint {
  n: bigint;
  /** Its TAR entry name, `%020d.<ext>`. */
  name: string;
  body: Uint8Array;
}

/** An inclusive run of datapoint keys. */
export interface Span {
  first: bigint;
  last: bigint;
}

/** Options of `range()`. */
export interface RangeOptions {
  /** Bytes fetched per GET, at least one datapoint (default 8 MiB). */
  segmentBytes?: number;
  signal?: AbortSignal;
}

/**
 * The content of datapoint `n`. Throws `NotFound` (with `details.datapoint`) when no committed
 * datarange holds it and `Corrupt` when the stored objects disagree with each other.
 *
 * @example
 * ```ts
 * const bytes = await get(datasets(port).open('frames'), 42n);
 * ```
 */
export async function get(
  dataset: Dataset,
  n: bigint | number,
  options: { signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const key = toKey(n);
  for (let attempt = 0; ; attempt++) {
    const range = await locate(dataset, key, attempt > 0, options.signal);
    if (!range) {
      throw bkError('NotFound', `dataset ${dataset.name} has no datapoint ${key}`, {
        details: { dataset: dataset.name, datapoint: String(key) },
      });
    }
    try {
      const index = await loadIndex(dataset, range, options.signal);
      const entry = index[Number(key - range.first)]!;
      if (entry.size === 0) return new Uint8Array(0);
      const start = entry.headerOffset + entry.headerBlocks * BLOCK;
      const got = await dataset.port.get(range.key, {
        range: { start, end: start + entry.size - 1 },
        signal: options.signal,
      });
      const body = await got.bytes();
      if (body.length !== entry.size) {
        throw bkError(
          'Corrupt',
          `${range.key} returned ${body.length} bytes of datapoint ${key}, not ${entry.size}`,
          {
            details: { key: range.key, datapoint: String(key) },
          },
        );
      }
      return body;
    } catch (err) {
      // The datarange may have been replaced since this handle read the manifest: read it again once.
      if (attempt > 0 || !BucketkitError.is(err, 'NotFound')) throw err;
    }
  }
}

/**
 * Datapoints `from..to` (inclusive) in ascending order, each with its name. Gaps are skipped (see
 * `coverage` to find them); the manifest is read fresh once at the start.
 *
 * @example
 * ```ts
 * for await (const { n, name, body } of range(ds, 1n, 1000n)) console.log(n, name, body.length);
 * ```
 */
export async function* range(
  dataset: Dataset,
  from: bigint | number,
  to: bigint | number,
  options: RangeOptions = {},
): AsyncGenerator<Datapoint> {
  const lo = toKey(from);
  const hi = toKey(to);
  const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  const manifest = await dataset.manifest({ fresh: true, signal: options.signal });
  for (const r of manifest.dataranges) {
    if (r.last < lo || r.first > hi) continue;
    const index = await loadIndex(dataset, r, options.signal);
    const a = lo > r.first ? Number(lo - r.first) : 0;
    const b = hi < r.last ? Number(hi - r.first) : index.length - 1;
    for (let i = a; i <= b; ) {
      let j = i;
      while (j < b && entryEnd(index[j + 1]!) - index[i]!.headerOffset <= segmentBytes) j++;
      const bounds = entriesRange(index, i, j);
      const got = await dataset.port.get(r.key, { range: bounds, signal: options.signal });
      const segment = await got.bytes();
      const entries = readTar(segment, { strict: false, all: true });
      if (entries.length !== j - i + 1) {
        throw corrupt(
          r,
          `bytes ${bounds.start}..${bounds.end} hold ${entries.length} entries, not ${j - i + 1}`,
        );
      }
      for (const [k, entry] of entries.entries()) {
        const n = r.first + BigInt(i + k);
        const parsed = entry.type === 'file' ? storedKey(entry.name) : undefined;
        if (parsed?.key !== n || entry.size !== index[i + k]!.size) {
          throw corrupt(
            r,
            `entry ${i + k} is "${entry.name}" of ${entry.size} bytes where datapoint ${n} was due`,
          );
        }
        yield { n, name: entry.name, body: tarContent(segment, entry) };
      }
      i = j + 1;
    }
  }
}

/**
 * Which datapoints are stored, as runs merged across adjacent dataranges, and the gaps between the
 * lowest and the highest (read fresh from the manifest).
 *
 * @example
 * ```ts
 * const { present, gaps } = await coverage(ds);
 * // present: [{ first: 1n, last: 20n }], gaps: [{ first: 21n, last: 29n }] ...
 * ```
 */
export async function coverage(
  dataset: Dataset,
  options: { signal?: AbortSignal } = {},
): Promise<{ present: Span[]; gaps: Span[] }> {
  const manifest = await dataset.manifest({ fresh: true, signal: options.signal });
  const present: Span[] = [];
  const gaps: Span[] = [];
  for (const r of manifest.dataranges) {
    const prev = present[present.length - 1];
    if (prev && prev.last + 1n === r.first) {
      prev.last = r.last;
      continue;
    }
    if (prev) gaps.push({ first: prev.last + 1n, last: r.first - 1n });
    present.push({ first: r.first, last: r.last });
  }
  return { present, gaps };
}

async function locate(
  dataset: Dataset,
  n: bigint,
  fresh: boolean,
  signal: AbortSignal | undefined,
): Promise<Datarange | undefined> {
  const cached = fresh ? undefined : holding((await dataset.manifest({ signal })).dataranges, n);
  return cached ?? holding((await dataset.manifest({ fresh: true, signal })).dataranges, n);
}

/** The datarange holding `n`: a binary search, as manifests keep dataranges sorted and disjoint. */
function holding(ranges: readonly Datarange[], n: bigint): Datarange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (n < r.first) hi = mid - 1;
    else if (n > r.last) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** The decoded index of a committed datarange, from the cache or storage (checked against the range). */
export async function loadIndex(
  dataset: Dataset,
  r: Datarange,
  signal: AbortSignal | undefined,
): Promise<IndexEntry[]> {
  const cached = dataset.indexes.get(r.key);
  if (cached) return cached;
  const got = await dataset.port.get(indexKeyOf(r), { signal });
  const index = decodeIndex(await got.bytes());
  const count = r.last - r.first + 1n;
  if (BigInt(index.length) !== count) throw corrupt(r, `the index has ${index.length} entries, not ${count}`);
  const tail = index[index.length - 1]!;
  if (entryEnd(tail) > r.size) throw corrupt(r, `the index runs past the ${r.size}-byte archive`);
  dataset.indexes.set(r.key, index);
  return index;
}

/** The key of a stored entry name, or `undefined` (stored data is checked, never trusted). */
function storedKey(name: string): { key: bigint } | undefined {
  try {
    return parseDatapointName(name);
  } catch {
    return undefined;
  }
}

function toKey(n: bigint | number): bigint {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) {
    throw bkError('InvalidArgument', `datapoint key ${n} is not a safe integer; pass a bigint`, {
      details: { datapoint: n },
    });
  }
  return BigInt(n);
}

/** Where an indexed entry ends: its header, its content and the content's block padding. */
export const entryEnd = (e: IndexEntry) => e.headerOffset + e.headerBlocks * BLOCK + padded(e.size);

function corrupt(r: Datarange, why: string) {
  return bkError('Corrupt', `datarange ${r.key}: ${why}`, { details: { key: r.key } });
}
