/**
 * Pruning by the message index: a `contains` needle or a regex's literal runs become grams
 * (`segments/message-grams.ts`); a segment whose bloom filter lacks a required gram cannot hold a
 * matching row and is not read. Only the filter partitions the grams fall in are read (one small ranged
 * GET each, 16 segments at a time, kept in memory per port afterwards); segments without a filter
 * (written before it existed) are kept.
 */
import type { StoragePort } from '../../storage/index.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import { regexLiterals } from '../catalog/trigrams.js';
import { GRAM, gramHash, needleGrams, STRIDE } from '../segments/message-grams.js';
import { type MessageIndexRef, probes } from '../segments/message-index.js';
import type { QueryStats } from './stats.js';

/** What a message must hold: each entry an OR of ANDs of grams; all entries must hold. */
export type TextRequirement = readonly (readonly string[])[];

/** At most this many alternatives per requirement (more: a regex run with alternatives is dropped). */
const MAX_ALTERNATIVES = 16;

/**
 * The requirements of a query's text filters (empty when they require no gram).
 *
 * @example
 * ```ts
 * textRequirements('ord-5e1f0c2a9d', undefined); // [[['5e1f0c2a']]]
 * ```
 */
export function textRequirements(contains: string | undefined, regex: RegExp | undefined): TextRequirement[] {
  const out: TextRequirement[] = [];
  if (contains !== undefined) {
    const grams = needleGrams(contains);
    if (grams) out.push(grams);
  }
  if (regex !== undefined) {
    const grams = regexGrams(regex);
    if (grams) out.push(grams);
  }
  return out;
}

/** A regex's requirement: per top-level branch, the AND of its literal runs' grams. */
function regexGrams(regex: RegExp): string[][] | null {
  // with `i` and `u`/`v`, ASCII letters also match a few non-ASCII ones (K, ſ): grams would miss those
  if (regex.flags.includes('i') && /[uv]/.test(regex.flags)) return null;
  const branches = regexLiterals(regex.source);
  if (!branches) return null;
  const out: string[][] = [];
  for (const runs of branches) {
    let alternatives: string[][] = [[]];
    for (const run of runs) {
      const grams = needleGrams(run);
      if (!grams) continue;
      const product = alternatives.flatMap((a) => grams.map((g) => [...a, ...g]));
      if (product.length <= MAX_ALTERNATIVES) alternatives = product;
    }
    if (alternatives.every((a) => a.length === 0)) return null; // this branch needs no gram
    out.push(...alternatives.map((a) => [...new Set(a)]));
  }
  return out;
}

/**
 * The segments whose message filters allow every requirement, reading a few filters at a time.
 *
 * @example
 * ```ts
 * const kept = await pruneByMessageIndex(port, segments, textRequirements('ord-5e1f', undefined), stats);
 * ```
 */
export async function pruneByMessageIndex(
  port: StoragePort,
  segments: readonly IndexedSegment[],
  requirements: readonly TextRequirement[],
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<IndexedSegment[]> {
  if (requirements.length === 0) return [...segments];
  const keep = new Array<boolean>(segments.length).fill(true);
  let next = 0;
  const worker = async () => {
    while (next < segments.length) {
      const i = next++;
      keep[i] = await segmentMayHold(port, segments[i]!, requirements, stats, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, segments.length) }, worker));
  const kept = segments.filter((_, i) => keep[i]);
  stats.segmentsPruned += segments.length - kept.length;
  stats.segmentsPrunedByText += segments.length - kept.length;
  return kept;
}

async function segmentMayHold(
  port: StoragePort,
  segment: IndexedSegment,
  requirements: readonly TextRequirement[],
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<boolean> {
  const ref = segment.messageIndex;
  if (!ref || ref.gram !== GRAM || ref.stride !== STRIDE) return true;
  const hashes = new Map<string, [number, number]>();
  for (const requirement of requirements)
    for (const all of requirement) for (const gram of all) hashes.set(gram, gramHash(gram, 0));
  const partitions = [...new Set([...hashes.values()].map(([a]) => a % ref.partitions))].sort(
    (x, y) => x - y,
  );
  const loaded = new Map<number, Uint8Array>();
  const cache = partitionCache(port);
  await Promise.all(
    partitions.map(async (p) => {
      const key = `${segment.table}\u0000${ref.offset}\u0000${p}`;
      const kept = cache.get(key);
      if (kept) {
        stats.cachedBytes += kept.byteLength;
        loaded.set(p, kept);
        return;
      }
      const start = ref.offset + p * ref.partitionBytes;
      const got = await port.get(segment.table, {
        range: { start, end: start + ref.partitionBytes - 1 },
        signal,
      });
      const bytes = await got.bytes();
      stats.requests++;
      stats.bytesRead += bytes.byteLength;
      loaded.set(p, bytes);
      if (bytes.byteLength === ref.partitionBytes) cache.set(key, bytes.slice()); // not a view of a pooled buffer
    }),
  );
  // a short read (a damaged object) must not rule the segment out: read it
  if ([...loaded.values()].some((bytes) => bytes.byteLength !== ref.partitionBytes)) return true;
  return filterMayHold(ref, (p) => loaded.get(p)!, requirements);
}

/** Filter partitions kept per port: a table object never changes once written, so neither do they. */
const PARTITION_CACHE_BYTES = 16 * 2 ** 20;
const partitionCaches = new WeakMap<StoragePort, LruBytes>();

function partitionCache(port: StoragePort): LruBytes {
  let cache = partitionCaches.get(port);
  if (!cache) {
    cache = new LruBytes(PARTITION_CACHE_BYTES);
    partitionCaches.set(port, cache);
  }
  return cache;
}

/** Byte arrays by key, least recently used out past `maxBytes`. */
class LruBytes {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(key: string): Uint8Array | undefined {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: Uint8Array): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, value);
    this.bytes += value.byteLength;
    for (const [old, bytes] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(old);
      this.bytes -= bytes.byteLength;
    }
  }
}

/**
 * Whether a message filter allows every requirement; `partition(p)` gives the bytes of partition `p`.
 *
 * @example
 * ```ts
 * filterMayHold(ref, (p) => bytes.subarray(p * ref.partitionBytes, (p + 1) * ref.partitionBytes), reqs);
 * ```
 */
export function filterMayHold(
  ref: Pick<MessageIndexRef, 'partitions' | 'partitionBytes' | 'hashes'>,
  partition: (index: number) => Uint8Array,
  requirements: readonly TextRequirement[],
): boolean {
  const has = (gram: string) => {
    const [a, b] = gramHash(gram, 0);
    const bits = partition(a % ref.partitions);
    return probes(a, b, ref.partitionBytes * 8, ref.hashes).every(
      (bit) => (bits[bit >>> 3]! >> (bit & 7)) & 1,
    );
  };
  return requirements.every((requirement) => requirement.some((all) => all.every(has)));
}
