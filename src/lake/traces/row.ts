/**
 * A cooked span row: LakeRunner's trace columns (`span_*`, `chq_*`), every other column (`resource_*`,
 * `scope_*`, `attr_*`) a string in `fields`.
 */

export interface SpanRow {
  /** Span start, ms since the epoch. */
  chq_timestamp: number;
  /** Span start, ns. */
  chq_tsns: bigint;
  /** The span pattern id (see `spanFingerprintParts`). */
  chq_fingerprint: bigint;
  chq_telemetry_type: 'traces';
  /** The org. */
  chq_customer_id: string;
  /** 32 hex digits. */
  span_trace_id: string;
  /** 16 hex digits. */
  span_id: string;
  /** '' for a root span. */
  span_parent_span_id: string;
  span_name: string;
  /** `SPAN_KIND_*`. */
  span_kind: string;
  /** `STATUS_CODE_*`. */
  span_status_code: string;
  span_status_message: string;
  /** Span end, ms. */
  span_end_timestamp: number;
  /** `span_end_timestamp - chq_timestamp`, ms (0 when a time was missing). */
  span_duration: number;
  fields: Record<string, string>;
}

/** The fixed columns of a span table, in file order. */
export const SPAN_STRING_COLUMNS = [
  'chq_telemetry_type',
  'chq_customer_id',
  'span_trace_id',
  'span_id',
  'span_parent_span_id',
  'span_name',
  'span_kind',
  'span_status_code',
  'span_status_message',
] as const;

export const SPAN_INT_COLUMNS = [
  'chq_timestamp',
  'chq_tsns',
  'chq_fingerprint',
  'span_end_timestamp',
  'span_duration',
] as const;
