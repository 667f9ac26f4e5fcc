/**
 * `bucketkit lake ...`: ingest raw log files into the lake stored at a URL, and query it.
 */
import { bkError } from '../errors.js';
import { lokiRoutes, queryGate } from '../lake/http/index.js';
import { type EngineChoice, type Lake, openLake } from '../lake/index.js';
import { connect, type StoragePort } from '../storage/index.js';
import { compactCommand, sweepCommand } from './lake-compact-commands.js';
import { runLogQLCommand } from './lake-logql.js';
import { durationMs, LAKE_OPTIONS, pairs, timeMs, type Values } from './lake-options.js';
import { promqlCommand } from './lake-promql.js';
import { ingestKey, receiverRoutes, sqlCommand, tracesCommand } from './lake-signals.js';
import { lakeServe, lakeWatch } from './lake-triggers.js';
import { err, out, parseOptions, pickCommand, UsageError } from './output.js';

const HELP = `bucketkit lake — LakeRunner's lake (logs, metrics, traces) in a bucket

usage: bucketkit lake COMMAND URL [args]

  ingest URL KEY... [--signal logs|metrics|traces] [--prefix-org PREFIX=ORG]... [--single-writer] [--json]
        cook raw files into segments; idempotent. Logs: JSON lines, CSV, Parquet, OTLP; metrics and traces:
        OTLP .binpb/.json (optionally .gz), metrics also remote-write .prw. The signal is --signal, else the
        file name's prefix as LakeRunner reads it (metrics_…, traces_…), else logs
  query URL --org ORG [--from T] [--to T] [--where COL=V]... [--contains S] [--regex R]
        [--limit N] [--forward] [--json]     log rows, newest first (--forward: oldest first)
  query URL --org ORG --logql QUERY [--from T] [--to T] [--step D] [--limit N] [--forward] [--json]
        a LogQL query (docs/lake.md lists the subset): log lines, or samples per step
  count URL --org ORG [--from T] [--to T] [--step D] [--by COL]... [--where COL=V]... [--json]
        counts per step
  traces URL --org ORG --trace ID [--from T --to T] [--json]
        one trace's spans as a tree (without --from/--to: every day with traces)
  traces URL --org ORG [--from T] [--to T] [--service S]... [--name N]... [--min-duration D]
        [--max-duration D] [--status ERROR|OK|UNSET] [--kind SERVER|CLIENT|…] [--where COL=V]... [--limit N] [--json]
        spans matching a search, newest first
  promql URL --org ORG QUERY [--to T] [--from T --step D] [--json]
        a PromQL query over the metrics: instant at --to (default now), or a range with --step
  sql URL --org ORG --signal logs|metrics|traces [--from T] [--to T] QUERY [--json]
        one DuckDB SELECT over the segments of the range, as a view named by the signal
  watch URL [--prefix P] [--interval D] [--once] [--prefix-org PREFIX=ORG]...
        ingest new and changed raw objects under P as they appear (until Ctrl-C; resumes after a restart)
  serve URL [--port N] [--host H] [--bucket NAME]... [--request-timeout D] [--max-entries N] [--max-queries N]
        the storage event endpoint (POST /events: S3/SQS/SNS, GCP Pub/Sub, Azure Event Grid bodies)
        the Loki API (/loki/api/v1/...), the OTLP/HTTP receivers (POST /v1/logs, /v1/metrics, /v1/traces)
        Prometheus remote-write (POST /api/v1/write) and the Prometheus HTTP API (/api/v1/query, ...);
        --org ORG: the org when X-Scope-OrgID is absent; --request-timeout D: a request's headers and body
        must arrive within D (default 60s); --max-entries N: the largest Loki limit= (default 5000);
        --max-queries N: Loki and Prometheus queries run at once (default 8; 100 more wait, then 429)
  compact URL --org ORG [--day YYYYMMDD] [--target-bytes N] [--progress] [--json]
        merge each day's small segments toward N table bytes (default 2 MiB), swapped in atomically
  sweep URL [--org ORG] [--retention-days N] [--grace D] [--progress] [--json]
        drop days past the retention, delete replaced and unreferenced segment objects older than D (6h)

T: an ISO 8601 time, epoch seconds/ms, "now" or "now-1h" (default --from now-1h, --to now).
D: a duration such as 10s, 5m, 1h, 1d. COL: a column or an alias (level, service, namespace, cluster, pod).
--prefix-org PREFIX=ORG maps raw keys under PREFIX to ORG (otel-raw/{org}/{collector}/ keys need none).
--engine auto|duckdb|typescript: who writes and reads segments (default auto: DuckDB when @duckdb/node-api
is installed, else TypeScript); every command, serve's receivers included, uses it.`;

function wholeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`lake serve: "${text}" is not a positive whole number`);
  return n;
}

/** `--prefix-org PREFIX=ORG` pairs as the lake's `orgs` (the last one of a prefix wins). */
function orgsOf(values: Values): Record<string, string> {
  return Object.fromEntries(
    Object.entries(pairs(values['prefix-org'], '--prefix-org')).map(([p, o]) => [p, o.at(-1)!]),
  );
}

const ENGINES: readonly string[] = ['auto', 'duckdb', 'typescript'];

async function withLake(
  url: string | undefined,
  values: Values,
  run: (lake: Lake, storage: StoragePort) => Promise<number>,
) {
  if (!url) throw new UsageError('lake: a storage URL is needed (bucketkit lake --help)');
  const port = connect(url);
  const orgs = orgsOf(values);
  const engine = (values.engine ?? 'auto') as EngineChoice;
  if (!ENGINES.includes(engine)) {
    throw new UsageError(`lake: --engine must be auto, duckdb or typescript, not "${values.engine}"`);
  }
  const lake = openLake(port, { orgs, singleWriter: values['single-writer'] ?? false, engine });
  try {
    return await run(lake, port);
  } finally {
    await lake.close();
    await port.close?.();
  }
}

function queryBase(values: Values) {
  if (!values.org) throw new UsageError('lake: --org ORG is required for queries');
  const now = Date.now();
  return {
    org: values.org,
    from: timeMs(values.from ?? 'now-1h', now),
    to: timeMs(values.to ?? 'now', now),
    where: pairs(values.where, '--where'),
  };
}

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

const COMMANDS: Record<string, (rest: string[], values: Values) => Promise<number>> = {
  watch: ([url], values) =>
    withLake(url, values, (lake) =>
      lakeWatch(lake, values.prefix ?? '', {
        intervalMs: durationMs(values.interval ?? '10s'),
        once: values.once ?? false,
      }),
    ),
  serve: ([url], values) =>
    withLake(url, values, (lake, storage) => {
      const port = Number(values.port ?? '8080');
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`lake serve: bad --port "${values.port}"`);
      const gate = queryGate(
        values['max-queries'] ? { maxConcurrent: wholeNumber(values['max-queries']) } : {},
      );
      return lakeServe(lake, {
        port,
        host: values.host ?? '127.0.0.1',
        ...(values.bucket ? { buckets: values.bucket } : {}),
        ...(values['request-timeout'] ? { requestTimeoutMs: durationMs(values['request-timeout']) } : {}),
        extraRoutes: [
          ...gate(
            lokiRoutes(lake, {
              org: values.org ?? 'default',
              port: storage,
              ...(values['max-entries'] ? { maxEntriesLimit: wholeNumber(values['max-entries']) } : {}),
            }),
          ),
          ...receiverRoutes(lake, storage, values.org ?? 'default', gate),
        ],
      });
    }),
  ingest: ([url, ...keys], values) =>
    withLake(url, values, async (lake) => {
      if (keys.length === 0) throw new UsageError('lake ingest URL KEY... (at least one key)');
      let failed = 0;
      for (const key of keys) {
        try {
          await ingestKey(lake, key, values);
        } catch (error) {
          failed++;
          err(`bucketkit: ${key}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return failed > 0 ? 1 : 0;
    }),
  query: ([url], values) =>
    withLake(url, values, async (lake) => {
      const base = queryBase(values);
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      if (values.logql !== undefined) {
        return runLogQLCommand(lake, {
          org: base.org,
          query: values.logql,
          from: base.from,
          to: base.to,
          ...(values.step === undefined ? {} : { step: durationMs(values.step) }),
          limit,
          forward: values.forward ?? false,
          json: values.json ?? false,
        });
      }
      const result = lake.logs({
        ...base,
        limit,
        order: values.forward ? 'forward' : 'backward',
        ...(values.contains === undefined ? {} : { contains: values.contains }),
        ...(values.regex === undefined ? {} : { regex: values.regex }),
      });
      for await (const row of result) {
        if (values.json) out(json(row));
        else out(`${new Date(row.chq_timestamp).toISOString()} ${row.log_level ?? '-'} ${row.log_message}`);
      }
      const s = result.stats;
      err(
        `${s.segmentsRead} of ${s.segmentsConsidered} segments read, ${s.requests} requests, ${s.bytesRead} bytes`,
      );
      return 0;
    }),
  count: ([url], values) =>
    withLake(url, values, async (lake) => {
      const base = queryBase(values);
      const result = await lake.count({
        ...base,
        ...(values.step === undefined ? {} : { step: durationMs(values.step) }),
        by: values.by ?? [],
      });
      for (const series of result.series) {
        for (const [t, n] of series.points) {
          if (values.json) out(json({ labels: series.labels, t, count: n }));
          else out(`${new Date(t).toISOString()} ${json(series.labels)} ${n}`);
        }
      }
      const s = result.stats;
      err(`${s.usedAggFiles ? 'agg files' : 'tables'}: ${s.segmentsRead} files read, ${s.bytesRead} bytes`);
      return 0;
    }),
};

COMMANDS.traces = ([url], values) => withLake(url, values, (lake) => tracesCommand(lake, values));
COMMANDS.promql = ([url, query], values) =>
  withLake(url, values, (_lake, port) => promqlCommand(port, query, values));
COMMANDS.sql = ([url, query], values) => withLake(url, values, (lake) => sqlCommand(lake, query, values));
COMMANDS.compact = ([url], values) => withLake(url, values, (lake) => compactCommand(lake, values));
COMMANDS.sweep = ([url], values) =>
  withLake(url, values, (lake) =>
    sweepCommand(lake, values, values.grace === undefined ? undefined : durationMs(values.grace)),
  );

/**
 * Runs `bucketkit lake ARGS...` and returns the exit code.
 *
 * @example
 * ```ts
 * await lakeCommand(['ingest', 'file://./bucket', 'logs-raw/app.json.gz', '--prefix-org', 'logs-raw/=acme']);
 * ```
 */
export async function lakeCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseOptions(argv, LAKE_OPTIONS, 'lake ');
  const [name, ...rest] = positionals;
  const command = pickCommand('lake ', name, values.help, COMMANDS, HELP);
  if (typeof command === 'number') return command;
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) {
    throw bkError('InvalidArgument', `--limit must be a whole number, not "${values.limit}"`);
  }
  return command(rest, values as Values);
}
