/**
 * OTLP metrics as JSON (`ExportMetricsServiceRequest` in OTLP/JSON): lowerCamelCase or proto field names,
 * 64-bit integers as strings or numbers, temporality as a number or its enum name, doubles as numbers or
 * "NaN"/"Infinity". A file holds one request per line or one pretty-printed request; anything else is
 * `Corrupt`. Typed access comes from the logs decoder's `JsonReader`.
 */
import { type BucketkitError, bkError } from '../../errors.js';
import { jsonRequests, jsonScopes, type OtlpJsonSignalNames } from '../ingest/otlp-json-envelope.js';
import { JsonReader } from '../ingest/otlp-logs-json.js';
import { toDecodedRecord } from '../otlp/any-value.js';
import type {
  DecodedMetricPoint,
  ExponentialBuckets,
  MetricContext,
  OtlpMetricKind,
  Temporality,
} from './decoded.js';
import type { OtlpMetricsDecodeOptions } from './otlp-protobuf.js';

type Json = { [key: string]: unknown };

class MetricsJsonReader extends JsonReader {
  constructor(private readonly where: string) {
    super(where);
  }

  override fail(what: string): BucketkitError {
    return bkError('Corrupt', `${this.where} is not valid OTLP JSON metrics: ${what}`, {
      details: { key: this.where },
    });
  }

  number(object: Json, camel: string, snake: string): number | undefined {
    const value = this.get(object, camel, snake);
    return value === undefined || value === null ? undefined : this.double(value);
  }

  count(object: Json, camel: string, snake: string): number {
    return Number(this.nanos(object, camel, snake));
  }

  integer(object: Json, camel: string, snake: string): number {
    const value = this.get(object, camel, snake);
    if (value === undefined || value === null) return 0;
    const n = this.int64(value);
    return Number(n);
  }

  numbers(object: Json, camel: string, snake: string, parse: (v: unknown) => number): number[] {
    return this.array(object, camel, snake).map(parse);
  }
}

const KINDS: [OtlpMetricKind, string, string][] = [
  ['gauge', 'gauge', 'gauge'],
  ['sum', 'sum', 'sum'],
  ['histogram', 'histogram', 'histogram'],
  ['exponential_histogram', 'exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary', 'summary'],
];

/**
 * The data points of OTLP JSON metric requests read from a stream of (gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const point of decodeOtlpMetricsJson(chunks, { source: key })) rows.add(point);
 * ```
 */
export async function* decodeOtlpMetricsJson(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpMetricsDecodeOptions = {},
): AsyncGenerator<DecodedMetricPoint> {
  const source = options.source ?? 'OTLP JSON metrics';
  const max = options.maxFrameBytes ?? 64 * 1024 * 1024;
  const reader = new MetricsJsonReader(source);
  const fail = (what: string) => reader.fail(what);
  for await (const request of jsonRequests(chunks, { maxBytes: max, fail, signal: options.signal }))
    yield* decodeOtlpMetricsJsonRequest(request, source);
}

/**
 * The data points of one parsed OTLP JSON `ExportMetricsServiceRequest`.
 *
 * @example
 * ```ts
 * const points = [...decodeOtlpMetricsJsonRequest(JSON.parse(body))];
 * ```
 */
export function* decodeOtlpMetricsJsonRequest(
  request: unknown,
  source = 'OTLP JSON metrics',
): Generator<DecodedMetricPoint> {
  const r = new MetricsJsonReader(source);
  for (const { resource, scopeJson, items } of jsonScopes(r, request, METRIC_NAMES)) {
    const scopeName = scopeJson ? r.string(scopeJson, 'name', 'name') : '';
    const scopeVersion = scopeJson ? r.string(scopeJson, 'version', 'version') : '';
    for (const metricItem of r.array(items, 'metrics', 'metrics')) {
      yield* metric(r, r.object(metricItem, 'a Metric'), { resource, scopeName, scopeVersion });
    }
  }
}

const METRIC_NAMES: OtlpJsonSignalNames = {
  resources: ['resourceMetrics', 'resource_metrics'],
  resource: 'a ResourceMetrics',
  scopes: ['scopeMetrics', 'scope_metrics'],
  deprecatedScopes: ['instrumentationLibraryMetrics', 'instrumentation_library_metrics'],
  scope: 'a ScopeMetrics',
};

function* metric(
  r: MetricsJsonReader,
  json: Json,
  shared: Pick<MetricContext, 'resource' | 'scopeName' | 'scopeVersion'>,
): Generator<DecodedMetricPoint> {
  for (const [kind, camel, snake] of KINDS) {
    const data = r.optionalObject(json, camel, snake);
    if (!data) continue;
    const context: MetricContext = {
      ...shared,
      name: r.string(json, 'name', 'name'),
      description: r.string(json, 'description', 'description'),
      unit: r.string(json, 'unit', 'unit'),
      kind,
      temporality: temporality(r, data),
      monotonic: r.get(data, 'isMonotonic', 'is_monotonic') === true,
    };
    for (const point of r.array(data, 'dataPoints', 'data_points'))
      yield readPoint(r, r.object(point, 'a data point'), context);
    return;
  }
}

function temporality(r: MetricsJsonReader, data: Json): Temporality {
  const value = r.get(data, 'aggregationTemporality', 'aggregation_temporality');
  if (value === 1 || value === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  if (value === 2 || value === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  if (value === undefined || value === null || value === 0 || value === 'AGGREGATION_TEMPORALITY_UNSPECIFIED')
    return 'unspecified';
  throw r.fail('aggregationTemporality is not a temporality');
}

function readPoint(r: MetricsJsonReader, json: Json, context: MetricContext): DecodedMetricPoint {
  const kind = context.kind;
  const count = r.count(json, 'count', 'count');
  const sum = r.number(json, 'sum', 'sum');
  const min = r.number(json, 'min', 'min');
  const max = r.number(json, 'max', 'max');
  let value: number | undefined;
  if (kind === 'gauge' || kind === 'sum') {
    const asDouble = r.number(json, 'asDouble', 'as_double');
    const asInt = r.get(json, 'asInt', 'as_int');
    value = asDouble ?? (asInt === undefined || asInt === null ? undefined : Number(r.int64(asInt)));
  }
  const uint = (v: unknown) => Number(r.nanos({ v }, 'v', 'v'));
  const buckets = (camel: string, snake: string): ExponentialBuckets => {
    const b = r.optionalObject(json, camel, snake);
    return b
      ? {
          offset: r.integer(b, 'offset', 'offset'),
          counts: r.numbers(b, 'bucketCounts', 'bucket_counts', uint),
        }
      : { offset: 0, counts: [] };
  };
  return {
    ...context,
    attributes: toDecodedRecord(r.keyValues(json)),
    timeUnixNano: r.nanos(json, 'timeUnixNano', 'time_unix_nano'),
    startTimeUnixNano: r.nanos(json, 'startTimeUnixNano', 'start_time_unix_nano'),
    flags: r.integer(json, 'flags', 'flags'),
    value,
    histogram:
      kind === 'histogram'
        ? {
            count,
            sum,
            min,
            max,
            bounds: r.numbers(json, 'explicitBounds', 'explicit_bounds', (v) => r.double(v)),
            counts: r.numbers(json, 'bucketCounts', 'bucket_counts', uint),
          }
        : undefined,
    exponential:
      kind === 'exponential_histogram'
        ? {
            count,
            sum,
            min,
            max,
            scale: r.integer(json, 'scale', 'scale'),
            zeroCount: r.count(json, 'zeroCount', 'zero_count'),
            positive: buckets('positive', 'positive'),
            negative: buckets('negative', 'negative'),
          }
        : undefined,
    summary:
      kind === 'summary'
        ? {
            count,
            sum: sum ?? 0,
            quantiles: r.array(json, 'quantileValues', 'quantile_values').map((q) => {
              const o = r.object(q, 'a ValueAtQuantile');
              return [r.number(o, 'quantile', 'quantile') ?? 0, r.number(o, 'value', 'value') ?? 0];
            }),
          }
        : undefined,
  };
}
