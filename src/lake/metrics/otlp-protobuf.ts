/**
 * OTLP metrics in protobuf (`ExportMetricsServiceRequest`, `.binpb`, `.binpb.gz`), read with the lake's
 * bounds-checked wire reader (src/lake/otlp/) one `ResourceMetrics` at a time, as the logs decoder does:
 * memory holds one `ResourceMetrics`, every malformed input is `Corrupt`.
 */
import type { DecodedValue } from '../ingest/decoded.js';
import { addKeyValue, type OtlpMap, toDecodedRecord } from '../otlp/any-value.js';
import { readResource, requestResources, streamedResources } from '../otlp/envelope.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../otlp/frames.js';
import { type ProtoReader, WIRE } from '../otlp/wire.js';
import {
  type DecodedMetricPoint,
  type ExponentialBuckets,
  type MetricContext,
  type OtlpMetricKind,
  TEMPORALITIES,
} from './decoded.js';

export interface OtlpMetricsDecodeOptions {
  /** Names the input in errors (usually the object key). */
  source?: string;
  /** The largest `ResourceMetrics` read into memory (default 64 MiB); a larger one is `Corrupt`. */
  maxFrameBytes?: number;
  signal?: AbortSignal;
}

/**
 * The data points of an `ExportMetricsServiceRequest` read from a stream of (gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const point of decodeOtlpMetricsProtobuf(chunks, { source: key })) rows.add(point);
 * ```
 */
export async function* decodeOtlpMetricsProtobuf(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpMetricsDecodeOptions = {},
): AsyncGenerator<DecodedMetricPoint> {
  const source = options.source ?? 'OTLP metrics request';
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  for await (const r of streamedResources(chunks, source, limit, options.signal)) yield* resourceMetrics(r);
}

/**
 * The data points of an `ExportMetricsServiceRequest` held in memory (an OTLP/HTTP request body).
 *
 * @example
 * ```ts
 * const points = [...decodeOtlpMetricsRequest(body)];
 * ```
 */
export function* decodeOtlpMetricsRequest(
  bytes: Uint8Array,
  source = 'OTLP metrics request',
): Generator<DecodedMetricPoint> {
  for (const r of requestResources(bytes, source, METRIC_NAMES)) yield* resourceMetrics(r);
}

const METRIC_NAMES = {
  request: 'ExportMetricsServiceRequest.resource_metrics',
  resource: 'ResourceMetrics',
  scopes: 'scope_metrics',
};

function* resourceMetrics(r: ProtoReader): Generator<DecodedMetricPoint> {
  const { resource, scopes } = readResource(r, METRIC_NAMES);
  for (const scope of scopes) yield* scopeMetrics(scope, resource);
}

function* scopeMetrics(
  r: ProtoReader,
  resource: Record<string, DecodedValue>,
): Generator<DecodedMetricPoint> {
  let scopeName = '';
  let scopeVersion = '';
  const metrics: ProtoReader[] = [];
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, 'ScopeMetrics.scope');
      const s = r.nested();
      while (s.more()) {
        const f = s.tag();
        if (f === 1 || f === 2) {
          s.expect(s.wire, WIRE.bytes, 'InstrumentationScope.name/version');
          if (f === 1) scopeName = s.string();
          else scopeVersion = s.string();
        } else s.skip(s.wire);
      }
    } else if (field === 2) {
      r.expect(wire, WIRE.bytes, 'ScopeMetrics.metrics');
      metrics.push(r.nested());
    } else r.skip(wire);
  }
  for (const metric of metrics) yield* readMetric(metric, { resource, scopeName, scopeVersion });
}

const DATA_FIELDS: Record<number, OtlpMetricKind> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
};

function* readMetric(
  r: ProtoReader,
  shared: Pick<MetricContext, 'resource' | 'scopeName' | 'scopeVersion'>,
): Generator<DecodedMetricPoint> {
  const context: MetricContext = {
    ...shared,
    name: '',
    description: '',
    unit: '',
    kind: 'gauge',
    temporality: 'unspecified',
    monotonic: false,
  };
  let data: ProtoReader | undefined;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field >= 1 && field <= 3) {
      r.expect(wire, WIRE.bytes, 'Metric.name/description/unit');
      const text = r.string();
      if (field === 1) context.name = text;
      else if (field === 2) context.description = text;
      else context.unit = text;
    } else if (DATA_FIELDS[field] !== undefined) {
      r.expect(wire, WIRE.bytes, `Metric.${DATA_FIELDS[field]}`);
      context.kind = DATA_FIELDS[field];
      data = r.nested();
    } else r.skip(wire);
  }
  if (data === undefined) return; // a metric without data (OTLP allows it) has no points
  const points: ProtoReader[] = [];
  while (data.more()) {
    const field = data.tag();
    const wire = data.wire;
    if (field === 1) {
      data.expect(wire, WIRE.bytes, 'data_points');
      points.push(data.nested());
    } else if (field === 2 && context.kind !== 'gauge' && context.kind !== 'summary') {
      data.expect(wire, WIRE.varint, 'aggregation_temporality');
      context.temporality = TEMPORALITIES[data.uint()] ?? 'unspecified';
    } else if (field === 3 && context.kind === 'sum') {
      data.expect(wire, WIRE.varint, 'Sum.is_monotonic');
      context.monotonic = data.uint() !== 0;
    } else data.skip(wire);
  }
  for (const point of points) yield readPoint(point, context);
}

/** Field numbers of the attributes, times and flags per data point kind. */
const LAYOUT: Record<OtlpMetricKind, { attributes: number; flags: number }> = {
  gauge: { attributes: 7, flags: 8 },
  sum: { attributes: 7, flags: 8 },
  histogram: { attributes: 9, flags: 10 },
  exponential_histogram: { attributes: 1, flags: 10 },
  summary: { attributes: 7, flags: 8 },
};

function readPoint(r: ProtoReader, context: MetricContext): DecodedMetricPoint {
  const layout = LAYOUT[context.kind];
  const attributes: OtlpMap = new Map();
  let time = 0n;
  let start = 0n;
  let flags = 0;
  let value: number | undefined;
  let count = 0;
  let sum: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  const bounds: number[] = [];
  const counts: number[] = [];
  let scale = 0;
  let zeroCount = 0;
  let positive: ExponentialBuckets = { offset: 0, counts: [] };
  let negative: ExponentialBuckets = { offset: 0, counts: [] };
  const quantiles: [number, number][] = [];
  const kind = context.kind;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === layout.attributes) {
      r.expect(wire, WIRE.bytes, 'attributes');
      addKeyValue(r.nested(), 0, attributes);
    } else if (field === 2 || field === 3) {
      r.expect(wire, WIRE.fixed64, field === 2 ? 'start_time_unix_nano' : 'time_unix_nano');
      if (field === 2) start = r.fixed64();
      else time = r.fixed64();
    } else if (field === layout.flags) {
      r.expect(wire, WIRE.varint, 'flags');
      flags = r.uint();
    } else if (kind === 'gauge' || kind === 'sum') {
      if (field === 4) {
        r.expect(wire, WIRE.fixed64, 'as_double');
        value = r.double();
      } else if (field === 6) {
        r.expect(wire, WIRE.fixed64, 'as_int');
        value = Number(BigInt.asIntN(64, r.fixed64()));
      } else r.skip(wire);
    } else if (field === 4) {
      r.expect(wire, WIRE.fixed64, 'count');
      count = Number(r.fixed64());
    } else if (field === 5) {
      r.expect(wire, WIRE.fixed64, 'sum');
      sum = r.double();
    } else if (kind === 'histogram') {
      if (field === 6)
        readPacked(r, wire, WIRE.fixed64, () => counts.push(Number(r.fixed64())), 'bucket_counts');
      else if (field === 7)
        readPacked(r, wire, WIRE.fixed64, () => bounds.push(r.double()), 'explicit_bounds');
      else if (field === 11 || field === 12) {
        r.expect(wire, WIRE.fixed64, 'min/max');
        if (field === 11) min = r.double();
        else max = r.double();
      } else r.skip(wire);
    } else if (kind === 'exponential_histogram') {
      if (field === 6) {
        r.expect(wire, WIRE.varint, 'scale');
        scale = unzigzag(r.uint());
      } else if (field === 7) {
        r.expect(wire, WIRE.fixed64, 'zero_count');
        zeroCount = Number(r.fixed64());
      } else if (field === 8 || field === 9) {
        r.expect(wire, WIRE.bytes, 'positive/negative buckets');
        const buckets = readBuckets(r.nested());
        if (field === 8) positive = buckets;
        else negative = buckets;
      } else if (field === 12 || field === 13) {
        r.expect(wire, WIRE.fixed64, 'min/max');
        if (field === 12) min = r.double();
        else max = r.double();
      } else r.skip(wire);
    } else if (field === 6) {
      r.expect(wire, WIRE.bytes, 'quantile_values');
      quantiles.push(readQuantile(r.nested()));
    } else r.skip(wire);
  }
  const point: DecodedMetricPoint = {
    name: context.name,
    description: context.description,
    unit: context.unit,
    kind,
    temporality: context.temporality,
    monotonic: context.monotonic,
    resource: context.resource,
    scopeName: context.scopeName,
    scopeVersion: context.scopeVersion,
    attributes: toDecodedRecord(attributes),
    timeUnixNano: time,
    startTimeUnixNano: start,
    flags,
    value,
    histogram: kind === 'histogram' ? { count, sum, min, max, bounds, counts } : undefined,
    exponential:
      kind === 'exponential_histogram'
        ? { count, sum, min, max, scale, zeroCount, positive, negative }
        : undefined,
    summary: kind === 'summary' ? { count, sum: sum ?? 0, quantiles } : undefined,
  };
  return point;
}

/** A repeated scalar field, packed (one length-delimited run) or not (one tag per value). */
function readPacked(
  r: ProtoReader,
  wire: number,
  elementWire: number,
  readOne: () => void,
  name: string,
): void {
  if (wire === elementWire) {
    readOne();
    return;
  }
  r.expect(wire, WIRE.bytes, name);
  const [start, end] = r.span();
  const saved = r.end;
  r.pos = start;
  r.end = end;
  try {
    while (r.more()) readOne();
  } finally {
    r.end = saved;
  }
}

function readBuckets(r: ProtoReader): ExponentialBuckets {
  let offset = 0;
  const counts: number[] = [];
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.varint, 'Buckets.offset');
      offset = unzigzag(r.uint());
    } else if (field === 2)
      readPacked(r, wire, WIRE.varint, () => counts.push(r.uint()), 'Buckets.bucket_counts');
    else r.skip(wire);
  }
  return { offset, counts };
}

function readQuantile(r: ProtoReader): [number, number] {
  let quantile = 0;
  let value = 0;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1 || field === 2) {
      r.expect(wire, WIRE.fixed64, 'ValueAtQuantile');
      if (field === 1) quantile = r.double();
      else value = r.double();
    } else r.skip(wire);
  }
  return [quantile, value];
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}
