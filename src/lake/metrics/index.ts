/**
 * Metrics for the lake: OTLP metric decoding (protobuf and JSON) and cooking into LakeRunner-shaped rows.
 */

export { snappyBlock } from '../parquet/snappy.js';
export {
  METRIC_INDEX_FORMAT,
  type MetricDayIndex,
  type MetricSegment,
  metricIndexKey,
  readMetricDayIndex,
  updateMetricDayIndex,
} from './catalog.js';
export { MetricRowBuilder } from './cook.js';
export type {
  DecodedMetricPoint,
  ExplicitHistogram,
  ExponentialHistogram,
  OtlpMetricKind,
  SummaryValue,
  Temporality,
} from './decoded.js';
export {
  decodeMetricsObject,
  ingestMetricsObject,
  type MetricIngestOptions,
  type MetricIngestResult,
  metricTableKey,
} from './ingest.js';
export { mergeRows, truncateTo } from './merge.js';
export { decodeOtlpMetricsJson, decodeOtlpMetricsJsonRequest } from './otlp-json.js';
export {
  decodeOtlpMetricsProtobuf,
  decodeOtlpMetricsRequest,
  type OtlpMetricsDecodeOptions,
} from './otlp-protobuf.js';
export { type MetricRowsQuery, readMetricRows } from './query.js';
export { decodeRemoteWrite, decodeRemoteWriteSeries, type RemoteWriteSeries } from './remote-write.js';
export { type RollupOptions, type RollupResult, rollupMetrics } from './rollup.js';
export { type ChqMetricType, METRIC_BUCKET_MS, METRIC_RESOURCE_KEYS, type MetricRow } from './row.js';
export { MetricRowCache } from './row-cache.js';
export { readMetricTable, writeMetricTable } from './table.js';
export { fnv1a64, seriesTid } from './tid.js';
export { METRIC_FREQUENCIES, nextFrequency, pickFrequency } from './tiers.js';
