/**
 * Decoded raw-tier rows kept in memory between queries, least recently used out first, bounded by rows.
 * Segment tables never change once written (a new table gets a new key), so a kept table is never stale;
 * what a query server spends most of its time on is decoding the same Parquet pages again.
 */
import type { MetricRow } from './row.js';

/**
 * A bounded cache of whole lean-read metric tables (see `readMetricRows`'s `cache`).
 *
 * @example
 * ```ts
 * const cache = new MetricRowCache(200_000);
 * const { rows } = await readMetricRows(port, { org: 'acme', fromMs, toMs, lean: true, cache });
 * ```
 */
export class MetricRowCache {
  private readonly kept = new Map<string, readonly MetricRow[]>();
  private held = 0;

  /** `maxRows`: rows kept at most (a lean row is a few hundred bytes). */
  constructor(readonly maxRows: number) {}

  /** Rows currently kept. */
  get rows(): number {
    return this.held;
  }

  /** The rows kept for `key`, or those `load` reads (kept when they fit). */
  async rowsOf(
    key: string,
    load: () => Promise<readonly MetricRow[]>,
  ): Promise<{ rows: readonly MetricRow[]; hit: boolean }> {
    const found = this.kept.get(key);
    if (found) {
      this.kept.delete(key);
      this.kept.set(key, found);
      return { rows: found, hit: true };
    }
    const rows = await load();
    if (rows.length > this.maxRows || this.kept.has(key)) return { rows, hit: false };
    this.kept.set(key, rows);
    this.held += weight(rows);
    for (const [oldest, old] of this.kept) {
      if (this.held <= this.maxRows) break;
      this.kept.delete(oldest);
      this.held -= weight(old);
    }
    return { rows, hit: false };
  }
}

/** An entry counts at least one row, so empty entries are bounded too. */
const weight = (rows: readonly MetricRow[]) => Math.max(1, rows.length);
