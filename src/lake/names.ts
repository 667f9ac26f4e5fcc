/**
 * Names LakeRunner gives things: cooked column names (`NormalizeName`), UTC day and hour bins, and the
 * keys of cooked objects in the bucket (`db/{org}/{collector}/{dateint}/logs/{HH}/tbl_{id}.parquet`).
 */

/**
 * LakeRunner's `NormalizeName`: ASCII lowercase, every byte that is not `[a-z0-9]` becomes `_`, runs are
 * not collapsed (`"foo  bar"` → `"foo__bar"`). Non-ASCII characters become one `_` per UTF-8 byte.
 *
 * @example
 * ```ts
 * normaliseName('service.name'); // 'service_name'
 * ```
 */
export function normaliseName(name: string): string {
  let out = normalised.get(name);
  if (out !== undefined) return out;
  out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const lower = byte >= 65 && byte <= 90 ? byte + 32 : byte;
    const keep = (lower >= 97 && lower <= 122) || (lower >= 48 && lower <= 57);
    out += keep ? String.fromCharCode(lower) : '_';
  }
  // every row of a file repeats the same few names: remember them (bounded, for files with odd keys)
  if (normalised.size >= 4096) normalised.clear();
  normalised.set(name, out);
  return out;
}

const normalised = new Map<string, string>();

let lastDay = { startMs: 0, dateint: 19700101 };

/** The UTC day of a time in milliseconds, as the integer YYYYMMDD. */
export function dateintOf(ms: number): number {
  const startMs = ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
  if (startMs === lastDay.startMs) return lastDay.dateint;
  const date = new Date(ms);
  const dateint = date.getUTCFullYear() * 10000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
  if (!Number.isNaN(dateint)) lastDay = { startMs, dateint };
  return dateint;
}

/** The first millisecond of a dateint's UTC day. */
export function dayStartMs(dateint: number): number {
  return Date.UTC(Math.floor(dateint / 10000), (Math.floor(dateint / 100) % 100) - 1, dateint % 100);
}

/** Every dateint whose UTC day overlaps `[fromMs, toMs)`, in order. */
export function dateintsBetween(fromMs: number, toMs: number): number[] {
  const days: number[] = [];
  const first = dayStartMs(dateintOf(fromMs));
  for (let t = first; t < toMs; t += 86_400_000) days.push(dateintOf(t));
  return days;
}

/** Where one segment's objects live. */
export interface SegmentKeys {
  table: string;
  agg: string;
}

/**
 * LakeRunner's cooked keys; `HH` is the UTC hour of the segment's first row (cosmetic: the index's
 * time range is what queries trust).
 *
 * @example
 * ```ts
 * segmentKeys({ org: 'acme', collector: 'c1', dateint: 20260101, firstMs: 0, id: '42' });
 * // { table: 'db/acme/c1/20260101/logs/00/tbl_42.parquet', agg: '.../agg_42.parquet' }
 * ```
 */
export function segmentKeys(at: {
  org: string;
  collector: string;
  dateint: number;
  firstMs: number;
  id: string;
  /** `logs` (default), `metrics` or `traces`. */
  signal?: string;
}): SegmentKeys {
  const hour = String(new Date(at.firstMs).getUTCHours()).padStart(2, '0');
  const folder = `db/${at.org}/${at.collector}/${at.dateint}/${at.signal ?? 'logs'}/${hour}`;
  return { table: `${folder}/tbl_${at.id}.parquet`, agg: `${folder}/agg_${at.id}.parquet` };
}

/** The key of the segment index of one (org, signal, day). */
export function indexKey(org: string, dateint: number, signal = 'logs'): string {
  return `db/${org}/_index/${signal}/${dateint}.json`;
}

/** The key of a day's summed agg counts (`catalog/day-counts.ts`), next to its index. */
export function dayCountsKey(org: string, dateint: number): string {
  return `db/${org}/_index/logs/${dateint}.counts`;
}

/** The key of the marker that says a raw object (at one ETag) is ingested completely. */
export function ingestedMarkerKey(rawKey: string): string {
  return `db/_ingested/${encodeURIComponent(rawKey)}.json`;
}

const EPOCH_2025 = Date.UTC(2025, 0, 1);

/**
 * A new segment id: milliseconds since 2025-01-01 in the high bits (like LakeRunner's Sonyflake ids,
 * so ids sort by creation) and 22 random bits, so processes on other machines never collide in practice.
 */
export function newSegmentId(nowMs = Date.now()): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]! & 0x3fffff;
  return ((BigInt(Math.max(0, nowMs - EPOCH_2025)) << 22n) | BigInt(random)).toString();
}
