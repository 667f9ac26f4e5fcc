/**
 * `bucketkit lake` for metrics and traces: ingest of any signal's raw files (the signal from the file
 * name as LakeRunner reads it, or `--signal`), `lake traces` (one trace as a tree, or a span search),
 * `lake sql` (DuckDB over the segments of a range), and the receivers `lake serve` mounts.
 */
import type { IncomingMessage } from 'node:http';
import {
  type LakeRoute,
  otlpLogsRoute,
  otlpMetricsRoute,
  otlpTracesRoute,
  prometheusRoutes,
  type QueryGate,
  remoteWriteRoute,
} from '../lake/http/index.js';
import type { Lake, LakeSignal, SpanRow } from '../lake/index.js';
import type { StoragePort } from '../storage/index.js';
import { durationMs, pairs, timeMs, type Values } from './lake-options.js';
import { err, out, UsageError } from './output.js';

const SIGNALS: readonly LakeSignal[] = ['logs', 'metrics', 'traces'];

/** JSON with bigints as strings. */
export const jsonLine = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * The signal of a raw key: `--signal`, else LakeRunner's file-name prefix (`metrics_…`, `traces_…`,
 * `logs_…`; a Prometheus remote-write batch `.prw` is metrics), else logs.
 *
 * @example
 * ```ts
 * signalOfKey('otel-raw/acme/c1/traces_0001.binpb.gz'); // 'traces'
 * ```
 */
export function signalOfKey(key: string, given?: string): LakeSignal {
  if (given !== undefined) {
    if (!(SIGNALS as readonly string[]).includes(given)) {
      throw new UsageError(`lake: --signal must be logs, metrics or traces, not "${given}"`);
    }
    return given as LakeSignal;
  }
  if (key.endsWith('.prw')) return 'metrics';
  const base = key.slice(key.lastIndexOf('/') + 1);
  const prefix = base.slice(0, base.indexOf('_'));
  return prefix === 'metrics' || prefix === 'traces' ? prefix : 'logs';
}

/** Ingests one raw key of any signal and prints one line; the lake's `orgs` route it. */
export async function ingestKey(lake: Lake, key: string, values: Values): Promise<void> {
  const signal = signalOfKey(key, values.signal);
  let summary: { alreadyIngested: boolean; text: string; result: object };
  if (signal === 'traces') {
    const result = await lake.ingestTraces(key);
    summary = { alreadyIngested: result.alreadyIngested, text: `${result.spans} spans`, result };
  } else if (signal === 'metrics') {
    const result = await lake.ingestMetrics(key);
    summary = {
      alreadyIngested: result.alreadyIngested,
      text: `${result.points} points, ${result.rows} rows`,
      result,
    };
  } else {
    const result = await lake.ingest(key);
    const bad = result.badRows ? `, ${result.badRows} bad rows` : '';
    summary = { alreadyIngested: result.alreadyIngested, text: `${result.rows} rows${bad}`, result };
  }
  const segments = (summary.result as { segments: unknown[] }).segments.length;
  if (values.json) out(jsonLine({ key, signal, ...summary.result }));
  else
    out(`${key}: ${summary.alreadyIngested ? 'already ingested' : `${summary.text}, ${segments} segments`}`);
}

function range(values: Values, defaultFrom = 'now-1h') {
  if (!values.org) throw new UsageError('lake: --org ORG is required');
  const now = Date.now();
  return {
    org: values.org,
    from: timeMs(values.from ?? defaultFrom, now),
    to: timeMs(values.to ?? 'now', now),
  };
}

const STATUS = (text: string) =>
  text.startsWith('STATUS_CODE_') ? text : `STATUS_CODE_${text.toUpperCase()}`;
const KIND = (text: string) => (text.startsWith('SPAN_KIND_') ? text : `SPAN_KIND_${text.toUpperCase()}`);

/**
 * `lake traces`: with `--trace ID`, the spans of one trace as an indented tree (children under their
 * parent, in start order); otherwise the spans matching the search flags, newest first.
 *
 * @example
 * ```ts
 * await tracesCommand(lake, { org: 'acme', trace: '4bf92f3577b34da6a3ce929d0e0e4736' });
 * ```
 */
export async function tracesCommand(lake: Lake, values: Values): Promise<number> {
  if (values.trace !== undefined) {
    if (!values.org) throw new UsageError('lake traces: --org ORG is required');
    const ranged = values.from !== undefined || values.to !== undefined;
    const where = ranged ? range(values) : { org: values.org };
    const { spans, stats } = await lake.trace(values.trace, where);
    if (values.json) for (const span of spans) out(jsonLine(span));
    else printTree(spans);
    err(
      `${spans.length} spans; ${stats.segmentsRead} of ${stats.segmentsConsidered} segments read, ${stats.indexReads} day indexes`,
    );
    return spans.length === 0 ? 3 : 0;
  }
  const base = range(values);
  const { spans, stats } = await lake.spans({
    ...base,
    ...(values.service ? { service: values.service } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values['min-duration'] ? { minDurationMs: durationMs(values['min-duration']) } : {}),
    ...(values['max-duration'] ? { maxDurationMs: durationMs(values['max-duration']) } : {}),
    ...(values.status ? { status: STATUS(values.status) } : {}),
    ...(values.kind ? { kind: KIND(values.kind) } : {}),
    where: pairs(values.where, '--where'),
    limit: values.limit === undefined ? 100 : Number(values.limit),
  });
  for (const span of spans) {
    if (values.json) out(jsonLine(span));
    else out(`${new Date(span.chq_timestamp).toISOString()} ${span.span_trace_id} ${describe(span)}`);
  }
  err(`${spans.length} spans; ${stats.segmentsRead} of ${stats.segmentsConsidered} segments read`);
  return 0;
}

function describe(span: SpanRow): string {
  const kind = span.span_kind.replace('SPAN_KIND_', '');
  const status = span.span_status_code.replace('STATUS_CODE_', '');
  const service = span.fields.resource_service_name ?? '-';
  return `${span.span_duration}ms ${service} ${span.span_name} [${kind}] ${status}${span.span_status_message ? `: ${span.span_status_message}` : ''}`;
}

/** One line per span, offset from the trace's start, indented under its parent. */
function printTree(spans: SpanRow[]): void {
  if (spans.length === 0) return;
  const start = spans[0]!.chq_timestamp;
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, SpanRow[]>();
  for (const span of spans) {
    const parent = ids.has(span.span_parent_span_id) ? span.span_parent_span_id : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const walk = (parent: string, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      out(`${'  '.repeat(depth)}+${span.chq_timestamp - start}ms ${describe(span)}`);
      walk(span.span_id, depth + 1);
    }
  };
  walk('', 0);
}

/**
 * `lake sql`: one SELECT over the view named by `--signal`, printed as tab-separated lines with a header
 * (or JSON lines with `--json`).
 *
 * @example
 * ```ts
 * await sqlCommand(lake, 'SELECT count(*) AS n FROM traces', { org: 'acme', signal: 'traces' });
 * ```
 */
export async function sqlCommand(lake: Lake, query: string | undefined, values: Values): Promise<number> {
  if (!query) throw new UsageError('lake sql URL --org ORG --signal SIGNAL QUERY (the query is missing)');
  if (values.signal === undefined) throw new UsageError('lake sql: --signal logs|metrics|traces is required');
  const signal = signalOfKey('', values.signal);
  const { rows, columns, stats } = await lake.sql(query, { ...range(values), signal });
  if (values.json) for (const row of rows) out(jsonLine(row));
  else {
    out(columns.map((c) => c.name).join('\t'));
    for (const row of rows) out(columns.map((c) => cell(row[c.name])).join('\t'));
  }
  err(`${rows.length} rows; ${stats.segmentsRead} segments read`);
  return 0;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object' && !(value instanceof Date)) return jsonLine(value);
  return String(value).replaceAll('\t', ' ').replaceAll('\n', ' ');
}

/**
 * The routes `lake serve` mounts beside the event endpoint and the Loki API: OTLP/HTTP `/v1/logs`,
 * `/v1/metrics`, `/v1/traces`, Prometheus remote-write `/api/v1/write` and the Prometheus HTTP API
 * (`/api/v1/query`, …); the org is the `X-Scope-OrgID` header, else `org`. Metric tables are written
 * with the lake's engine.
 *
 * @example
 * ```ts
 * const routes = receiverRoutes(lake, port, 'acme');
 * ```
 */
export function receiverRoutes(
  lake: Lake,
  storage: StoragePort,
  org: string,
  gate: QueryGate = (routes) => [...routes],
): LakeRoute[] {
  const orgOf = (req: IncomingMessage) => {
    const header = req.headers['x-scope-orgid'];
    return (Array.isArray(header) ? header[0] : header) || org;
  };
  const options = { org: orgOf };
  const metrics = { ...options, engine: lake.loadEngine };
  return [
    otlpLogsRoute(lake, storage, options),
    otlpMetricsRoute(storage, metrics),
    otlpTracesRoute(storage, options),
    remoteWriteRoute(storage, metrics),
    ...gate(prometheusRoutes(storage, { org })),
  ];
}
