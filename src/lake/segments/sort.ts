/**
 * LakeRunner's sort order of cooked log files: `[stream field, chq_fingerprint, chq_tsns]`. Rows of one
 * stream and one pattern sit together, so Parquet row-group statistics on those columns are tight.
 */
import type { CookedLog } from '../ingest/normalise.js';

/** The stream field's value of a row ('' when the row has none). */
export function streamValue(row: CookedLog, streamField: string): string {
  return row.fields[streamField] ?? '';
}

/**
 * Sorts rows in place by stream value, then fingerprint (null first), then time.
 *
 * @example
 * ```ts
 * sortLogRows(rows, 'resource_service_name');
 * ```
 */
export function sortLogRows(rows: CookedLog[], streamField: string): CookedLog[] {
  return rows.sort((a, b) => {
    const sa = streamValue(a, streamField);
    const sb = streamValue(b, streamField);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const fa = a.chq_fingerprint;
    const fb = b.chq_fingerprint;
    if (fa !== fb) {
      if (fa === null) return -1;
      if (fb === null) return 1;
      return fa < fb ? -1 : 1;
    }
    return a.chq_tsns < b.chq_tsns ? -1 : a.chq_tsns > b.chq_tsns ? 1 : 0;
  });
}
