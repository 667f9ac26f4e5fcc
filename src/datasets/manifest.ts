/**
 * The per-dataset manifest: the one object that says which dataranges are committed. It is JSON at
 * `datas3t/{dataset}/manifest.json` and changes only by compare-and-swap (see `catalog.ts`).
 * Datapoint keys are decimal strings in JSON (they are uint64) and `bigint` in memory.
 */
import { bkError } from '../errors.js';
import { datarangeKeys, datarangePrefix, MAX_DATAPOINT_KEY, MAX_UPLOAD_COUNTER } from './names.js';

/** The format tag written in every manifest. */
export const MANIFEST_FORMAT = 'bucketkit-datasets/1';

/** One committed datarange. */
export interface Datarange {
  first: bigint;
  last: bigint;
  counter: number;
  /** The `.tar` object key; the index is the same key ending in `.index`. */
  key: string;
  /** Bytes of the TAR object. */
  size: number;
}

/**
 * An in-flight upload or aggregation: it holds its counter (so its object keys) and its datapoint
 * range until `expires`, or until `renewBy` passes without its writer renewing it (a writer that
 * died); after that the range is free again and `gc()` removes its leftovers.
 */
export interface Reservation {
  counter: number;
  first: bigint;
  last: bigint;
  kind: 'upload' | 'aggregate';
  /** Epoch milliseconds after which the reservation no longer holds. */
  expires: number;
  /**
   * Epoch milliseconds by which the writer must renew its heartbeat, else the reservation is
   * abandoned and no longer holds (absent in reservations written before heartbeats: `expires` alone).
   */
  renewBy?: number;
  /** The multipart upload writing the `.tar`, once started (so `gc()` can abort it). */
  uploadId?: string;
  /**
   * The writer may write its keys without a create-only condition (a streamed upload); an aggregation
   * always may. A rival that wrote the same keys must then leave them alone.
   */
  plain?: true;
}

/** A dataset's manifest as held in memory. `deleted` marks a dataset being deleted (a tombstone). */
export interface Manifest {
  dataset: string;
  /** The next upload counter; counters are never reused, so datarange keys never are either. */
  next: number;
  /** Committed dataranges, sorted by `first`, never overlapping. */
  dataranges: Datarange[];
  /** In-flight uploads and aggregations (absent when none). */
  pending?: Reservation[];
  deleted?: boolean;
}

/**
 * The manifest object key of a dataset.
 *
 * @example
 * ```ts
 * manifestKey('ds'); // 'datas3t/ds/manifest.json'
 * ```
 */
export function manifestKey(dataset: string): string {
  return `${datarangePrefix(dataset).slice(0, -'dataranges/'.length)}manifest.json`;
}

/**
 * Serialises a manifest to JSON bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeManifest({ dataset: 'ds', next: 1, dataranges: [] });
 * ```
 */
export function encodeManifest(manifest: Manifest): Uint8Array {
  const json = {
    format: MANIFEST_FORMAT,
    dataset: manifest.dataset,
    next: manifest.next,
    ...(manifest.deleted ? { deleted: true } : {}),
    dataranges: manifest.dataranges.map((r) => ({
      first: r.first.toString(),
      last: r.last.toString(),
      counter: r.counter,
      key: r.key,
      size: r.size,
    })),
    ...(manifest.pending?.length
      ? {
          pending: manifest.pending.map((p) => ({
            counter: p.counter,
            first: p.first.toString(),
            last: p.last.toString(),
            kind: p.kind,
            expires: p.expires,
            ...(p.renewBy === undefined ? {} : { renewBy: p.renewBy }),
            ...(p.uploadId ? { uploadId: p.uploadId } : {}),
            ...(p.plain ? { plain: true } : {}),
          })),
        }
      : {}),
  };
  return new TextEncoder().encode(`${JSON.stringify(json, null, 1)}\n`);
}

/**
 * Parses and checks a manifest read from storage (untrusted: every fault is `Corrupt`, with
 * `details.key`): known format, sorted non-overlapping ranges whose keys match their bounds.
 *
 * @example
 * ```ts
 * const manifest = decodeManifest(await (await port.get(manifestKey('ds'))).bytes(), 'ds');
 * ```
 */
export function decodeManifest(bytes: Uint8Array, dataset: string): Manifest {
  const key = manifestKey(dataset);
  const fail = (why: string, cause?: unknown) =>
    bkError('Corrupt', `manifest ${key}: ${why}`, { details: { key }, cause });
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw fail('not JSON', err);
  }
  if (!isRecord(raw) || raw.format !== MANIFEST_FORMAT) throw fail(`format is not ${MANIFEST_FORMAT}`);
  if (raw.dataset !== dataset) throw fail(`names dataset ${String(raw.dataset)}`);
  if (!isCounter(raw.next)) throw fail('next is not a counter');
  if (!Array.isArray(raw.dataranges)) throw fail('dataranges is not an array');
  const next = raw.next;
  const dataranges = raw.dataranges.map((item: unknown, i: number): Datarange => {
    if (!isRecord(item)) throw fail(`datarange ${i} is not an object`);
    const first = toKey(item.first);
    const last = toKey(item.last);
    const { counter, key: dataKey, size } = item;
    if (first === undefined || last === undefined || first > last) throw fail(`datarange ${i} bounds`);
    if (!isCounter(counter) || counter >= next) throw fail(`datarange ${i} counter`);
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw fail(`datarange ${i} size`);
    if (dataKey !== datarangeKeys(dataset, first, last, counter).data) throw fail(`datarange ${i} key`);
    return { first, last, counter, key: dataKey, size: size as number };
  });
  for (let i = 1; i < dataranges.length; i++) {
    if (dataranges[i]!.first <= dataranges[i - 1]!.last) throw fail(`datarange ${i} overlaps or is unsorted`);
  }
  const pendingRaw: unknown = raw.pending ?? [];
  if (!Array.isArray(pendingRaw)) throw fail('pending is not an array');
  const pending = pendingRaw.map((item: unknown, i: number): Reservation => {
    if (!isRecord(item)) throw fail(`pending ${i} is not an object`);
    const first = toKey(item.first);
    const last = toKey(item.last);
    const { counter, kind, expires, renewBy, uploadId, plain } = item;
    if (first === undefined || last === undefined || first > last) throw fail(`pending ${i} bounds`);
    if (!isCounter(counter) || counter >= next) throw fail(`pending ${i} counter`);
    if (kind !== 'upload' && kind !== 'aggregate') throw fail(`pending ${i} kind`);
    if (!Number.isSafeInteger(expires)) throw fail(`pending ${i} expires`);
    if (renewBy !== undefined && !Number.isSafeInteger(renewBy)) throw fail(`pending ${i} renewBy`);
    if (uploadId !== undefined && typeof uploadId !== 'string') throw fail(`pending ${i} uploadId`);
    if (plain !== undefined && plain !== true) throw fail(`pending ${i} plain`);
    return {
      counter,
      first,
      last,
      kind,
      expires: expires as number,
      ...(renewBy === undefined ? {} : { renewBy: renewBy as number }),
      ...(uploadId ? { uploadId } : {}),
      ...(plain ? { plain } : {}),
    };
  });
  return {
    dataset,
    next,
    dataranges,
    ...(pending.length ? { pending } : {}),
    ...(raw.deleted === true ? { deleted: true } : {}),
  };
}

/**
 * The first committed datarange overlapping `first..last`, if any.
 *
 * @example
 * ```ts
 * const clash = findOverlap(manifest.dataranges, 1n, 100n);
 * ```
 */
export function findOverlap(
  dataranges: readonly Datarange[],
  first: bigint,
  last: bigint,
): Datarange | undefined {
  return dataranges.find((r) => r.first <= last && r.last >= first);
}

/** The index object key of a datarange. */
export function indexKeyOf(range: Datarange): string {
  return `${range.key.slice(0, -'.tar'.length)}.index`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCounter(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_UPLOAD_COUNTER + 1;
}

function toKey(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return undefined;
  const key = BigInt(value);
  return key > MAX_DATAPOINT_KEY ? undefined : key;
}
