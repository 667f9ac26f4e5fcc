/**
 * The hand-off between the OTLP trace decoders (protobuf, JSON) and the cooking of span rows: one span with
 * its resource and scope, ids as hex, times in nanoseconds, attributes as the decoders render them.
 */
import type { DecodedValue } from '../ingest/decoded.js';

/** OTLP `Span.SpanKind` names, by enum number, as LakeRunner writes `span_kind`. */
export const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;

/** OTLP `Status.StatusCode` names, by enum number, as LakeRunner writes `span_status_code`. */
export const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

export type SpanKindName = (typeof SPAN_KINDS)[number];
export type StatusCodeName = (typeof STATUS_CODES)[number];

/** One span as read from an `ExportTraceServiceRequest`. */
export interface DecodedSpan {
  /** 32 hex digits (lowercase); '' when the span had none. */
  readonly traceId: string;
  /** 16 hex digits; '' when the span had none. */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** An enum number outside the known ones is kept as `SPAN_KIND_<n>`. */
  readonly kind: string;
  readonly statusCode: string;
  readonly statusMessage: string;
  /** 0n when the span had none. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** Resource attributes; names as written. */
  readonly resource: Readonly<Record<string, DecodedValue>>;
  /** Scope attributes plus the scope's `name`/`version`. */
  readonly scope: Readonly<Record<string, DecodedValue>>;
  readonly attributes: Readonly<Record<string, DecodedValue>>;
}

/** The name of an enum number in `names`, or `PREFIX<n>` for one outside it. */
export function enumName(names: readonly string[], prefix: string, n: number): string {
  return names[n] ?? `${prefix}${n}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of an id's bytes ('' for none). */
export function hexId(bytes: Uint8Array | undefined): string {
  let out = '';
  if (bytes) for (const byte of bytes) out += HEX[byte];
  return out;
}
