/** What a query cost: how many segments it looked at, and the requests and bytes it read. */
export interface QueryStats {
  /** Day indexes read (one GET each). */
  indexReads: number;
  /** Published segments in the days and time range of the query. */
  segmentsConsidered: number;
  /** Of those, the ones the index ruled out (time, exists, exact values). */
  segmentsPruned: number;
  /** Of the pruned segments, those the message index ruled out (`contains`, regex literals). */
  segmentsPrunedByText: number;
  /** Days whose counts came from their day counts object (one object instead of an agg file per segment). */
  dayCounts: number;
  /** Segment files opened (table or agg files, or a day counts object). */
  segmentsRead: number;
  /** True when counts came from the 10 s agg files instead of the tables. */
  usedAggFiles: boolean;
  /** Storage requests made, index reads included. */
  requests: number;
  /** Bytes read from storage, index reads included. */
  bytesRead: number;
  /** Bytes of immutable files served from memory instead of storage (agg files a query read before). */
  cachedBytes: number;
  /** Rows that segment files returned after Parquet-level filtering (time, where), before text filters. */
  rowsScanned: number;
}

export function newStats(): QueryStats {
  return {
    indexReads: 0,
    segmentsConsidered: 0,
    segmentsPruned: 0,
    segmentsPrunedByText: 0,
    dayCounts: 0,
    segmentsRead: 0,
    usedAggFiles: false,
    requests: 0,
    bytesRead: 0,
    cachedBytes: 0,
    rowsScanned: 0,
  };
}
