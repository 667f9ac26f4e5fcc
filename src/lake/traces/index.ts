/**
 * Traces for the lake: OTLP span decoding (protobuf and JSON), LakeRunner's span rows and fingerprint,
 * trace segments with their day index, lookup by trace id and span search.
 */

export {
  MAX_EXACT_VALUES,
  readTraceDayIndex,
  TRACE_INDEX_FORMAT,
  type TraceDayIndex,
  type TraceSegment,
  traceDays,
  traceIndexKey,
  updateTraceDayIndex,
} from './catalog.js';
export { createSpanCooker, type SpanCooker, spanFingerprintParts } from './cook.js';
export { type DecodedSpan, SPAN_KINDS, STATUS_CODES } from './decoded.js';
export {
  decodeTracesObject,
  ingestTracesObject,
  type TraceIngestOptions,
  type TraceIngestResult,
  traceTableKey,
} from './ingest.js';
export { decodeOtlpTracesJson, decodeOtlpTracesJsonRequest } from './otlp-json.js';
export {
  decodeOtlpTracesProtobuf,
  decodeOtlpTracesRequest,
  type OtlpTracesDecodeOptions,
} from './otlp-protobuf.js';
export { type SpanSearch, type SpansResult, searchSpans, type TraceQuery, traceSpans } from './query.js';
export type { SpanRow } from './row.js';
export { readSpanTable, sortSpanRows, writeSpanTable } from './table.js';
export { mayHoldTrace, type TraceIdFilter, traceIdFilter } from './trace-ids.js';
