/**
 * bucketkit/lake — LakeRunner's log lake, embedded: raw telemetry files in a bucket become sorted ZSTD
 * Parquet segments with a segment index kept in the same bucket, coordinated by conditional writes.
 *
 * @example
 * ```ts
 * import { cookLog, createLogFingerprinter, decodeObject, fileColumns } from 'bucketkit/lake';
 * const fingerprint = await createLogFingerprinter();
 * fingerprint('user 42 logged in'); // the same bigint for 'user 7 logged in'
 * const file = { bucket: 'raw', key: 'logs-raw/app.json.gz', org: 'acme' };
 * for await (const log of decodeObject(port, file.key, size)) cookLog(log, file, fileColumns(file), { fingerprint });
 * ```
 */

export { readDayIndex } from './catalog/cas.js';
export type { DayIndex, IndexedSegment } from './catalog/day-index.js';
export {
  type CompactOptions,
  type CompactProgress,
  type CompactResult,
  DEFAULT_MAX_ROWS,
  DEFAULT_TARGET_BYTES,
} from './compact/compact.js';
export { type CompactionGroup, type CompactionTarget, planCompaction } from './compact/plan.js';
export type { CompactedSignal, SweptSignal } from './compact/stores.js';
export {
  DEFAULT_GRACE_MS,
  type SweepOptions,
  type SweepProgress,
  type SweepResult,
} from './compact/sweep.js';
export type { EngineChoice, EngineName, EngineOption, LakeEngine } from './engines/engine.js';
export {
  createLogFingerprinter,
  type LogFingerprinter,
  logFingerprintTokens,
  MAX_TOKENS,
} from './fingerprint/index.js';
export type { DecodedLog, DecodedValue } from './ingest/decoded.js';
export type { DecoderInput, FormatMatch, LogFormat } from './ingest/formats.js';
export { matchFormat, pickBySniff } from './ingest/formats.js';
export type { IngestOptions, IngestProgress, IngestResult } from './ingest/ingest.js';
export { type CookedLog, type CookOptions, cookLog, fileColumns, type RawFile } from './ingest/normalise.js';
export {
  decodeOtlpLogsJson,
  decodeOtlpLogsJsonRequest,
  looksLikeOtlpLogsJson,
  type OtlpJsonOptions,
  otlpLogsJsonFormat,
} from './ingest/otlp-logs-json.js';
export {
  decodeOtlpLogsProtobuf,
  decodeOtlpLogsRequest,
  type OtlpProtobufOptions,
  otlpLogsProtobufFormat,
} from './ingest/otlp-logs-protobuf.js';
export { detectParquetLogColumns, type ParquetLogColumns, parquetLogFormat } from './ingest/parquet-input.js';
export { type DecodeObjectOptions, decodeObject, LOG_FORMATS } from './ingest/registry.js';
export type { PrefixRoute, RawRoute } from './ingest/route.js';
export { routeRawKey } from './ingest/route.js';
export { parseTimestampNs } from './ingest/timestamp.js';
export { type Lake, type LakeOptions, openLake } from './lake.js';
export type * from './logql/ast.js';
export {
  evaluateLogQL,
  type LogQLQuery,
  type LogQLResult,
  type LogStream,
  type MetricSeries,
  parseDurationMs,
  parseLogQL,
  type Sample,
} from './logql/index.js';
export {
  type DecodedMetricPoint,
  decodeOtlpMetricsJson,
  decodeOtlpMetricsProtobuf,
  decodeOtlpMetricsRequest,
  ingestMetricsObject,
  METRIC_FREQUENCIES,
  type MetricIngestOptions,
  type MetricIngestResult,
  type MetricRow,
  MetricRowBuilder,
  type MetricRowsQuery,
  type MetricSegment,
  pickFrequency,
  type RollupOptions,
  type RollupResult,
  readMetricDayIndex,
  readMetricRows,
  rollupMetrics,
} from './metrics/index.js';
export { dateintOf, indexKey, normaliseName, segmentKeys } from './names.js';
export {
  type PromqlQuery,
  type PromqlResult,
  parsePromQL,
  queryPromQL,
} from './promql/index.js';
export type { CountQuery, CountResult, CountSeries } from './query/count.js';
export type { LogRow, LogsQuery, LogsResult } from './query/logs.js';
export type { LabelMatch } from './query/match.js';
export type { Where } from './query/plan.js';
export type { LakeSignal, SqlColumn, SqlOptions, SqlResult } from './query/sql.js';
export type { QueryStats } from './query/stats.js';
export { type LakeReader, openLakeReader } from './reader.js';
export {
  DDSketch,
  decodeSketch,
  encodeSketch,
  LAKE_SKETCH_ACCURACY,
  LogarithmicMapping,
  type Rollup,
  rollupOf,
} from './sketch/index.js';
export {
  type DecodedSpan,
  decodeOtlpTracesJson,
  decodeOtlpTracesProtobuf,
  decodeOtlpTracesRequest,
  ingestTracesObject,
  readTraceDayIndex,
  type SpanRow,
  type SpanSearch,
  type SpansResult,
  searchSpans,
  spanFingerprintParts,
  type TraceIngestOptions,
  type TraceIngestResult,
  type TraceQuery,
  type TraceSegment,
  traceSpans,
} from './traces/index.js';
export { type Checkpoint, checkpointKey } from './watch/checkpoint.js';
export type { WatchOptions, WatchSummary } from './watch/watch.js';
