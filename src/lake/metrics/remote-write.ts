/**
 * Prometheus remote write 1.0: a snappy-compressed (block format) `WriteRequest` protobuf, read into the
 * same data points as OTLP. Each time series' `__name__` is the metric, its other labels the attributes;
 * a series is a counter (monotonic cumulative sum) when the request's metadata says so or, lacking
 * metadata (Prometheus sends it in separate requests), when its name ends `_total`, `_count`, `_sum` or
 * `_bucket`; otherwise a gauge. Staleness markers (a NaN) are dropped at cooking like any NaN.
 */
import { ProtoReader, WIRE } from '../otlp/wire.js';
import { snappyBlock } from '../parquet/snappy.js';
import type { DecodedMetricPoint, SeriesContext } from './decoded.js';

const COUNTER_TYPE = 1;
const HISTOGRAM_TYPE = 3;
const SUMMARY_TYPE = 5;
const COUNTER_SUFFIXES = ['_total', '_count', '_sum', '_bucket'];
const PART_SUFFIXES = ['_count', '_sum', '_bucket'];
const NO_ATTRIBUTES = Object.freeze(Object.create(null)) as Record<string, string>;

/** One time series of a remote-write request: what its points share, and its samples. */
export interface RemoteWriteSeries {
  context: SeriesContext;
  /** Sample times, ms. */
  timesMs: number[];
  values: number[];
}

/**
 * The samples of a remote-write request (snappy-compressed `WriteRequest`), as data points.
 *
 * @example
 * ```ts
 * for (const point of decodeRemoteWrite(body)) builder.add(point);
 * ```
 */
export function* decodeRemoteWrite(
  compressed: Uint8Array,
  source = 'remote-write request',
  maxBytes = 64 * 1024 * 1024,
): Generator<DecodedMetricPoint> {
  for (const { context, timesMs, values } of decodeRemoteWriteSeries(compressed, source, maxBytes)) {
    for (let i = 0; i < timesMs.length; i++) {
      yield {
        ...context,
        value: values[i]!,
        timeUnixNano: BigInt(timesMs[i]!) * 1_000_000n,
        startTimeUnixNano: 0n,
        flags: 0,
      };
    }
  }
}

/**
 * The time series of a remote-write request, each with its samples in columns (the fast path of ingest:
 * no object per sample).
 *
 * @example
 * ```ts
 * for (const s of decodeRemoteWriteSeries(body)) builder.addSamples(s.context, s.timesMs, s.values);
 * ```
 */
export function* decodeRemoteWriteSeries(
  compressed: Uint8Array,
  source = 'remote-write request',
  maxBytes = 64 * 1024 * 1024,
): Generator<RemoteWriteSeries> {
  const bytes = snappyBlock(compressed, source, maxBytes);
  const r = new ProtoReader(bytes, source);
  const series: ProtoReader[] = [];
  const types = new Map<string, number>();
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, 'WriteRequest.timeseries');
      series.push(r.nested());
    } else if (field === 3) {
      r.expect(wire, WIRE.bytes, 'WriteRequest.metadata');
      const m = r.nested();
      let type = 0;
      let family = '';
      while (m.more()) {
        const f = m.tag();
        if (f === 1) {
          m.expect(m.wire, WIRE.varint, 'MetricMetadata.type');
          type = m.uint();
        } else if (f === 2) {
          m.expect(m.wire, WIRE.bytes, 'MetricMetadata.metric_family_name');
          family = m.string();
        } else m.skip(m.wire);
      }
      types.set(family, type);
    } else r.skip(wire);
  }
  for (const s of series) yield timeSeries(s, types);
}

function timeSeries(r: ProtoReader, types: Map<string, number>): RemoteWriteSeries {
  let name = '';
  const attributes: Record<string, string> = Object.create(null);
  const timesMs: number[] = [];
  const values: number[] = [];
  // one reader for every sample, moved over each one's bytes (no reader per sample)
  const s = new ProtoReader(r.buf, r.source, 0, 0, r.base);
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, 'TimeSeries.labels');
      const l = r.nested();
      let labelName = '';
      let value = '';
      while (l.more()) {
        const f = l.tag();
        if (f === 1 || f === 2) {
          l.expect(l.wire, WIRE.bytes, 'Label');
          if (f === 1) labelName = l.string();
          else value = l.string();
        } else l.skip(l.wire);
      }
      if (labelName === '__name__') name = value;
      else attributes[labelName] = value;
    } else if (field === 2) {
      r.expect(wire, WIRE.bytes, 'TimeSeries.samples');
      [s.pos, s.end] = r.span();
      let value = 0;
      let ms = 0;
      while (s.more()) {
        const f = s.tag();
        if (f === 1) {
          s.expect(s.wire, WIRE.fixed64, 'Sample.value');
          value = s.double();
        } else if (f === 2) {
          s.expect(s.wire, WIRE.varint, 'Sample.timestamp');
          const at = s.pos;
          ms = s.uint();
          if (ms >= 2 ** 53) {
            // a negative (or huge) int64: read exactly
            s.pos = at;
            ms = Number(s.int64());
          }
        } else s.skip(s.wire);
      }
      timesMs.push(ms);
      values.push(value);
    } else r.skip(wire);
  }
  const counter = isCounter(name, types);
  const context: SeriesContext = {
    name,
    description: '',
    unit: '',
    kind: counter ? 'sum' : 'gauge',
    temporality: counter ? 'cumulative' : 'unspecified',
    monotonic: counter,
    resource: NO_ATTRIBUTES,
    scopeName: '',
    scopeVersion: '',
    attributes,
  };
  return { context, timesMs, values };
}

/**
 * A counter by the request's metadata (a counter family, or the `_bucket`/`_sum`/`_count` parts of a
 * histogram or summary family), else by the name's suffix.
 */
function isCounter(name: string, types: Map<string, number>): boolean {
  const own = types.get(name);
  if (own !== undefined) return own === COUNTER_TYPE;
  for (const suffix of PART_SUFFIXES) {
    const family = types.get(name.slice(0, -suffix.length));
    if (name.endsWith(suffix) && family !== undefined)
      return family === HISTOGRAM_TYPE || family === SUMMARY_TYPE;
  }
  return COUNTER_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
