/**
 * Metrics for the lake: OTLP metric decoding (protobuf and JSON) and cooking into LakeRunner-shaped rows.
 */

export { MetricRowBuilder } from './cook.js';
export type {
  DecodedMetricPoint,
  ExplicitHistogram,
  ExponentialHistogram,
  OtlpMetricKind,
  SummaryValue,
  Temporality,
} from './decoded.js';
export { decodeOtlpMetricsJson, decodeOtlpMetricsJsonRequest } from './otlp-json.js';
export {
  decodeOtlpMetricsProtobuf,
  decodeOtlpMetricsRequest,
  type OtlpMetricsDecodeOptions,
} from './otlp-protobuf.js';
export { type ChqMetricType, METRIC_BUCKET_MS, METRIC_RESOURCE_KEYS, type MetricRow } from './row.js';
export { fnv1a64, seriesTid } from './tid.js';
