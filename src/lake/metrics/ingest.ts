import type { StoragePort } from '../../storage/index.js';
import type { EngineOption } from '../engines/engine.js';
import { resolveEngine } from '../engines/select.js';
import { dateintOf, newSegmentId, segmentKeys } from '../names.js';
import { decodeOtlpObject } from '../otlp/object.js';
import { loadZstd, type ZstdCodec } from '../parquet/zstd.js';
import { type MetricSegment, updateMetricDayIndex } from './catalog.js';
import { type MetricColumns, pickMetricRows } from './columns.js';
import { MetricRowBuilder } from './cook.js';
import type { DecodedMetricPoint } from './decoded.js';
import { decodeOtlpMetricsJson } from './otlp-json.js';
import { decodeOtlpMetricsProtobuf } from './otlp-protobuf.js';
import { decodeRemoteWrite, decodeRemoteWriteSeries } from './remote-write.js';
import { writeMetricColumns } from './table.js';

export interface MetricIngestOptions {
  org: string;
  /** Second path element of the cooked keys (default `default`). */
  collector?: string;
  /** The ZSTD codec (default: `loadZstd()`). */
  zstd?: ZstdCodec;
  /** Write the index without conditions (only when this process is the only writer). */
  singleWriter?: boolean;
  signal?: AbortSignal;
  /**
   * The engine that writes the tables: `auto` (the default: DuckDB when `@duckdb/node-api` is installed, as
   * a lake picks), `typescript`, `duckdb`, or a lake's `loadEngine` to share its engine. Both engines
   * write the same tables; `lake.ingestMetrics` and `lake serve` pass their lake's.
   */
  engine?: EngineOption;
}

export interface MetricIngestResult {
  points: number;
  /** Points without a usable value (NaN/Inf, empty, staleness markers, no time). */
  dropped: number;
  rows: number;
  segments: MetricSegment[];
  /** True when every day already held a segment of this object at this ETag. */
  alreadyIngested: boolean;
}

/** A metric segment's table key. */
export function metricTableKey(
  org: string,
  collector: string,
  dateint: number,
  firstMs: number,
  id: string,
): string {
  return segmentKeys({ org, collector, dateint, firstMs, id, signal: 'metrics' }).table;
}

/**
 * Decodes a raw metrics object by its suffix.
 *
 * @example
 * ```ts
 * for await (const point of decodeMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb.gz')) use(point);
 * ```
 */
export async function* decodeMetricsObject(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): AsyncGenerator<DecodedMetricPoint> {
  if (key.endsWith('.prw')) {
    // a Prometheus remote-write batch: one snappy block, read whole
    const got = await port.get(key, { signal });
    yield* decodeRemoteWrite(await got.bytes(), key);
    return;
  }
  yield* decodeOtlpObject(
    port,
    key,
    'metrics',
    { protobuf: decodeOtlpMetricsProtobuf, json: decodeOtlpMetricsJson },
    signal,
  );
}

/**
 * Ingests one raw OTLP metrics object into the lake.
 *
 * @example
 * ```ts
 * const result = await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb', { org: 'acme', zstd });
 * ```
 */
export async function ingestMetricsObject(
  port: StoragePort,
  key: string,
  options: MetricIngestOptions,
): Promise<MetricIngestResult> {
  const { signal } = options;
  const zstd = options.zstd ?? (await loadZstd());
  const collector = options.collector ?? 'default';
  const info = await port.head(key, { signal });
  const source = `${key}@${info.etag}`;
  const builder = new MetricRowBuilder(options.org);
  if (key.endsWith('.prw')) {
    // a Prometheus remote-write batch: one snappy block, read whole, each series' samples at once
    const got = await port.get(key, { signal });
    for (const s of decodeRemoteWriteSeries(await got.bytes(), key))
      builder.addSamples(s.context, s.timesMs, s.values);
  } else for await (const point of decodeMetricsObject(port, key, signal)) builder.add(point);
  const columns = builder.columns();
  const segments: MetricSegment[] = [];
  const days = splitByDay(columns);
  let alreadyIngested = days.size > 0;
  for (const [dateint, dayRows] of days) {
    const segment = await writeMetricSegment(
      port,
      { ...options, zstd },
      { collector, dateint, columns: dayRows, frequencyMs: 10_000 },
    );
    segment.sources = [source];
    let added = false;
    await updateMetricDayIndex(
      port,
      options.org,
      dateint,
      (index) => {
        added = false;
        if (index.segments.some((s) => s.sources.includes(source))) return undefined;
        added = true;
        index.segments.push(segment);
        return index;
      },
      options,
    );
    if (added) {
      segments.push(segment);
      alreadyIngested = false;
    } else await port.delete(segment.table, { signal }).catch(() => undefined);
  }
  return {
    points: builder.points,
    dropped: builder.dropped,
    rows: columns.length,
    segments,
    alreadyIngested,
  };
}

/** The rows of each day (one day, the usual case, keeps the columns as they are). */
function splitByDay(columns: MetricColumns): Map<number, MetricColumns> {
  const byDay = new Map<number, number[]>();
  let last: number[] | undefined;
  let lastDay = Number.NaN;
  for (let i = 0; i < columns.length; i++) {
    const day = dateintOf(columns.timestampMs[i]!);
    if (day !== lastDay) {
      lastDay = day;
      last = byDay.get(day);
      if (!last) {
        last = [];
        byDay.set(day, last);
      }
    }
    last?.push(i);
  }
  if (byDay.size === 1) return new Map([[lastDay, columns]]);
  return new Map([...byDay].map(([day, rows]) => [day, pickMetricRows(columns, rows)]));
}

/** Writes sorted rows of one day and tier as a table and returns its (not yet published) index entry. */
export async function writeMetricSegment(
  port: StoragePort,
  options: {
    org: string;
    zstd?: ZstdCodec;
    signal?: AbortSignal;
    engine?: EngineOption;
  },
  at: { collector: string; dateint: number; columns: MetricColumns; frequencyMs: number },
): Promise<MetricSegment> {
  const { columns: rows, frequencyMs } = at;
  const id = newSegmentId();
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  const used = new Uint8Array(rows.series.length);
  for (let i = 0; i < rows.length; i++) {
    const ms = rows.timestampMs[i]!;
    if (ms < startMs) startMs = ms;
    if (ms + frequencyMs > endMs) endMs = ms + frequencyMs;
    used[rows.seriesOf[i]!] = 1;
  }
  const names = new Set<string>();
  const columns = new Set<string>(['metric_name', 'chq_tid', 'chq_timestamp', 'chq_sketch']);
  for (const [i, series] of rows.series.entries()) {
    if (!used[i]) continue;
    names.add(series.metric_name);
    for (const name in series.fields) columns.add(name);
  }
  const engine = await resolveEngine(options.engine);
  const table = engine.writeMetricTable
    ? await engine.writeMetricTable(rows)
    : writeMetricColumns(rows, options.zstd ?? (await loadZstd()));
  const key = metricTableKey(options.org, at.collector, at.dateint, startMs, id);
  // an MD5 ETag (no `etag: 'any'`): ports that keep it check it on whole reads (DuckDB's in-place reads)
  await port.put(key, table, { contentType: 'application/vnd.apache.parquet', signal: options.signal });
  return {
    id,
    collector: at.collector,
    table: key,
    bytes: table.byteLength,
    frequencyMs,
    startMs,
    endMs,
    rows: rows.length,
    metricNames: [...names].sort(),
    columns: [...columns].sort(),
    published: true,
    rolledup: false,
    createdAt: new Date().toISOString(),
    sources: [],
  };
}
