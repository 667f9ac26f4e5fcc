/**
 * `openLake(port, options)`: the log lake over any StoragePort. Raw files, cooked segments and the
 * segment index all live in the port; several processes may open the same lake and ingest at once.
 */
import { bkError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { type CompactOptions, type CompactResult, compactLake } from './compact/compact.js';
import { type SweepOptions, type SweepResult, sweepLake } from './compact/sweep.js';
import type { LakeContext } from './context.js';
import type { EngineChoice, EngineName, LakeEngine } from './engines/engine.js';
import { engineHandle } from './engines/select.js';
import { createLogFingerprinter } from './fingerprint/index.js';
import type { LogFormat } from './ingest/formats.js';
import { type IngestOptions, type IngestResult, ingestObject } from './ingest/ingest.js';
import { LOG_FORMATS } from './ingest/registry.js';
import { type PrefixRoute, routeRawKey } from './ingest/route.js';
import { ingestMetricsObject, type MetricIngestResult } from './metrics/ingest.js';
import { loadZstd } from './parquet/zstd.js';
import { type CountQuery, type CountResult, countLogs } from './query/count.js';
import { type LogsQuery, type LogsResult, queryLogs } from './query/logs.js';
import { lakeSql, type SqlOptions, type SqlResult } from './query/sql.js';
import { ingestTracesObject, type TraceIngestResult } from './traces/ingest.js';
import {
  type SpanSearch,
  type SpansResult,
  searchSpans,
  type TraceQuery,
  traceSpans,
} from './traces/query.js';
import { type WatchOptions, type WatchSummary, watchPrefix } from './watch/watch.js';

export interface LakeOptions {
  /** Raw key prefix → org (or `{ org, collector }`); the longest matching prefix wins. Keys under
   * `otel-raw/{org}/{collector}/` need no mapping. */
  orgs?: Readonly<Record<string, string | PrefixRoute>>;
  /** `resource_bucket_name` of ingested rows (default: the port's name). */
  bucket?: string;
  /** The column segments are sorted and counted by first (default `resource_service_name`). */
  streamField?: string;
  /** Rows buffered before a segment is written (default 50,000): bounds ingest memory. */
  segmentRows?: number;
  /**
   * Allow writes on a port without conditional writes. Only safe when this process is the lake's only
   * writer; otherwise concurrent index updates could lose segments. Default false (`Unsupported`).
   */
  singleWriter?: boolean;
  /** The input formats (default `LOG_FORMATS`: JSON lines, CSV, and the decoders registered there). */
  formats?: readonly LogFormat[];
  /** The message fingerprinter, or `false` to leave `chq_fingerprint` null (default: the built-in one). */
  fingerprint?: ((message: string) => bigint) | false;
  /**
   * Who writes segments and answers queries: `typescript` (hyparquet, also in browsers), `duckdb`
   * (`@duckdb/node-api`, an optional peer dependency; `Unsupported` when it is not installed), or `auto`
   * (the default: DuckDB when installed). Both write the same segments and give the same answers.
   */
  engine?: EngineChoice;
}

/** An open lake. */
export interface Lake {
  /** Ingests one raw object of the port; idempotent (see `IngestResult.alreadyIngested`). */
  ingest(key: string, options?: IngestOptions): Promise<IngestResult>;
  /** Log rows of an org in a time range; the result's `stats` tell what the query read. */
  logs(query: LogsQuery): LogsResult;
  /** Log counts per step, split by labels. */
  count(query: CountQuery): Promise<CountResult>;
  /**
   * Polls the raw objects under `prefix` and ingests new and changed ones until `options.signal` aborts
   * (or after one pass with `once`); resumes from a checkpoint in the bucket, shares work with other
   * watchers of the same prefix.
   */
  watch(prefix: string, options?: WatchOptions): Promise<WatchSummary>;
  /** Merges a day's (or every day's) small segments toward a target size, swapped in by one compare-and-swap per day. */
  compact(options: CompactOptions): Promise<CompactResult>;
  /** Drops days past a retention and deletes replaced or unreferenced segment objects older than a grace period. */
  sweep(options?: SweepOptions): Promise<SweepResult>;
  /**
   * Ingests one raw OTLP traces object (`.binpb`, `.json`, optionally `.gz`; org and collector from the key
   * as for logs) into trace segments; idempotent.
   */
  ingestTraces(key: string, options?: { signal?: AbortSignal }): Promise<TraceIngestResult>;
  /**
   * Ingests one raw metrics object (OTLP `.binpb`/`.json`, optionally `.gz`, or a remote-write `.prw`; org
   * and collector from the key as for logs) into 10 s metric segments with the lake's engine; idempotent.
   */
  ingestMetrics(key: string, options?: { signal?: AbortSignal }): Promise<MetricIngestResult>;
  /** The spans of one trace, in start order (one GET per day index, then only segments that may hold it). */
  trace(traceId: string, options: Omit<TraceQuery, 'traceId' | 'zstd'>): Promise<SpansResult>;
  /** Spans by time, service, span name, duration, status, kind and attributes, newest first. */
  spans(search: Omit<SpanSearch, 'zstd'>): Promise<SpansResult>;
  /**
   * SQL over the segments the index selects for one org, signal and time range, as a view named by the
   * signal (`SELECT … FROM traces`); DuckDB only (`Unsupported` on the TypeScript engine).
   */
  sql(query: string, options: SqlOptions): Promise<SqlResult>;
  /** The engine in use (`auto` resolved; loads it on first call). */
  engine(): Promise<EngineName>;
  /**
   * The engine itself (loaded on first call): give it as `engine` to `ingestMetricsObject`,
   * `rollupMetrics` or the metric receivers so they write with this lake's engine, as `lake serve` does.
   *
   * @example
   * ```ts
   * await rollupMetrics(port, { org: 'acme', dateint: 20260102, engine: lake.loadEngine });
   * ```
   */
  loadEngine(): Promise<LakeEngine>;
  /** Releases the engine (DuckDB's database and temporary files); the lake reopens it when used again. */
  close(): Promise<void>;
}

/**
 * Opens the log lake stored in `port`.
 *
 * @example
 * ```ts
 * const lake = openLake(connect('file://./lake'), { orgs: { 'logs-raw/': 'acme' } });
 * await lake.ingest('logs-raw/app.json.gz');
 * for await (const row of lake.logs({ org: 'acme', from: Date.now() - 3_600_000, to: Date.now() })) {
 *   console.log(row.log_level, row.log_message);
 * }
 * ```
 */
export function openLake(port: StoragePort, options: LakeOptions = {}): Lake {
  const segmentRows = options.segmentRows ?? 50_000;
  if (!Number.isInteger(segmentRows) || segmentRows < 1) {
    throw bkError('InvalidArgument', 'segmentRows must be a whole number ≥ 1');
  }
  const custom = options.fingerprint;
  const engine = engineHandle(options.engine ?? 'auto');
  let fingerprinter: Promise<((message: string) => bigint) | undefined> | undefined;
  const ctx: LakeContext = {
    port,
    bucket: options.bucket ?? port.name,
    orgs: options.orgs ?? {},
    streamField: options.streamField ?? 'resource_service_name',
    segmentRows,
    singleWriter: options.singleWriter ?? false,
    formats: options.formats ?? LOG_FORMATS,
    fingerprint: () => {
      fingerprinter ??=
        custom === false
          ? Promise.resolve(undefined)
          : custom
            ? Promise.resolve(custom)
            : createLogFingerprinter();
      return fingerprinter;
    },
    zstd: loadZstd,
    engine: engine.get,
  };
  const ingest = (key: string, ingestOptions?: IngestOptions) => ingestObject(ctx, key, ingestOptions);
  return {
    ingest,
    logs: (query) => queryLogs(ctx, query),
    count: (query) => countLogs(ctx, query),
    watch: (prefix, watchOptions) => watchPrefix(ctx, ingest, prefix, watchOptions),
    compact: (compactOptions) => compactLake(ctx, compactOptions),
    sweep: (sweepOptions) => sweepLake(ctx, sweepOptions),
    ingestTraces: async (key, traceOptions) => {
      const route = routeRawKey(key, ctx.orgs);
      return ingestTracesObject(port, key, {
        ...route,
        zstd: await loadZstd(),
        segmentRows,
        singleWriter: ctx.singleWriter,
        ...(traceOptions?.signal ? { signal: traceOptions.signal } : {}),
      });
    },
    ingestMetrics: async (key, metricOptions) =>
      ingestMetricsObject(port, key, {
        ...routeRawKey(key, ctx.orgs),
        zstd: await loadZstd(),
        singleWriter: ctx.singleWriter,
        engine: engine.get,
        ...(metricOptions?.signal ? { signal: metricOptions.signal } : {}),
      }),
    trace: async (traceId, query) => traceSpans(port, { ...query, traceId, zstd: await loadZstd() }),
    sql: (query, sqlOptions) => lakeSql(ctx, query, sqlOptions),
    spans: async (search) => searchSpans(port, { ...search, zstd: await loadZstd() }),
    engine: async () => (await engine.get()).name,
    loadEngine: engine.get,
    close: engine.close,
  };
}
