/**
 * LakeRunner's row order for a segment, `[stream, chq_fingerprint (null first), chq_tsns]` with ties kept
 * in arrival order, computed without a comparator call per pair: rows are numbered by their (stream,
 * fingerprint) group, sorted as plain numbers (`group × rows + row`, so arrival order breaks ties), and only
 * groups whose times are not already ascending in arrival order are sorted by time. A segment's groups are
 * few and its rows arrive nearly in time order, so that last step is short; the order is the one the
 * comparator gives.
 */

/** The columns the order reads: 64-bit values as little-endian 32-bit words (low word first). */
export interface SortColumns {
  readonly length: number;
  /** Each row's stream value's place among the sorted distinct values. */
  readonly streamRank: Int32Array;
  /** 1 where the row has a fingerprint. */
  readonly hasFingerprint: Uint8Array;
  readonly fingerprintWords: Int32Array;
  readonly tsnsWords: Int32Array;
}

/**
 * Row numbers in order.
 *
 * @example
 * ```ts
 * const order = sortOrder({ length, streamRank, hasFingerprint, fingerprintWords, tsnsWords });
 * ```
 */
export function sortOrder(columns: SortColumns): Uint32Array {
  const n = columns.length;
  const { streamRank, hasFingerprint: has, fingerprintWords: fp, tsnsWords: ts } = columns;
  const fingerprintRank = rankFingerprints(n, has, fp);
  let streams = 0;
  for (let i = 0; i < n; i++) if (streamRank[i]! >= streams) streams = streamRank[i]! + 1;
  const perStream = fingerprintRank.distinct + 1;
  // group × n + row must stay an exact double; past that the comparator sort gives the same order
  if (streams * perStream * n >= Number.MAX_SAFE_INTEGER) return comparatorOrder(columns);
  const keys = new Float64Array(n);
  const group = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = streamRank[i]! * perStream + (has[i] ? 1 + fingerprintRank.ranks[i]! : 0);
    group[i] = g;
    keys[i] = g * n + i;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
  // within a group rows are in arrival order: sort by time only where time goes back
  let start = 0;
  while (start < n) {
    const g = group[order[start]!]!;
    let end = start + 1;
    let ascending = true;
    while (end < n && group[order[end]!] === g) {
      if (ascending && compareInt64(ts, order[end - 1]!, order[end]!) > 0) ascending = false;
      end++;
    }
    if (!ascending) order.subarray(start, end).sort((a, b) => compareInt64(ts, a, b) || a - b);
    start = end;
  }
  return order;
}

/** Each row's fingerprint's place among the distinct fingerprints (signed order), and how many there are. */
function rankFingerprints(
  n: number,
  has: Uint8Array,
  words: Int32Array,
): { ranks: Int32Array; distinct: number } {
  // distinct values found through their high word, rows with the same high word chained
  const byHigh = new Map<number, number>();
  const rowOf: number[] = [];
  const next: number[] = [];
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!has[i]) continue;
    const high = words[2 * i + 1]!;
    const low = words[2 * i]!;
    let id = byHigh.get(high) ?? -1;
    while (id >= 0 && words[2 * rowOf[id]!] !== low) id = next[id]!;
    if (id < 0) {
      id = rowOf.push(i) - 1;
      next.push(byHigh.get(high) ?? -1);
      byHigh.set(high, id);
    }
    ids[i] = id;
  }
  const byValue = Uint32Array.from(rowOf.keys()).sort((a, b) => compareInt64(words, rowOf[a]!, rowOf[b]!));
  const rankOfId = new Int32Array(rowOf.length);
  for (let r = 0; r < byValue.length; r++) rankOfId[byValue[r]!] = r;
  for (let i = 0; i < n; i++) if (has[i]) ids[i] = rankOfId[ids[i]!]!;
  return { ranks: ids, distinct: rowOf.length };
}

/** The order by one comparator call per pair (buffers too large for the numeric keys). */
function comparatorOrder(columns: SortColumns): Uint32Array {
  const { streamRank: rank, hasFingerprint: has, fingerprintWords: fp, tsnsWords: ts } = columns;
  const order = new Uint32Array(columns.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => {
    const r = rank[a]! - rank[b]!;
    if (r !== 0) return r;
    if (has[a] !== has[b]) return has[a]! - has[b]!;
    if (has[a]) {
      const c = compareInt64(fp, a, b);
      if (c !== 0) return c;
    }
    return compareInt64(ts, a, b) || a - b;
  });
}

/** Signed 64-bit comparison of elements `a` and `b` of a little-endian word view (low word first). */
export function compareInt64(words: Int32Array, a: number, b: number): number {
  const ha = words[2 * a + 1]!;
  const hb = words[2 * b + 1]!;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = words[2 * a]! >>> 0;
  const lb = words[2 * b]! >>> 0;
  return la === lb ? 0 : la < lb ? -1 : 1;
}
