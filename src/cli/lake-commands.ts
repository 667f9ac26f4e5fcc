/**
 * `bucketkit lake ...`: ingest raw log files into the lake stored at a URL, and query it.
 */
import { bkError } from '../errors.js';
import { lokiRoutes } from '../lake/http/index.js';
import { type Lake, openLake, parseTimestampNs } from '../lake/index.js';
import { connect, type StoragePort } from '../storage/index.js';
import { compactCommand, sweepCommand } from './lake-compact-commands.js';
import { runLogQLCommand } from './lake-logql.js';
import { lakeServe, lakeWatch } from './lake-triggers.js';
import { err, out, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';

const HELP = `bucketkit lake — LakeRunner's log lake in a bucket

usage: bucketkit lake COMMAND URL [args]

  ingest URL KEY... [--prefix-org PREFIX=ORG]... [--single-writer] [--json]
        cook raw log files (JSON lines, CSV, OTLP; optionally .gz) into segments; idempotent
  query URL --org ORG [--from T] [--to T] [--where COL=V]... [--contains S] [--regex R]
        [--limit N] [--forward] [--json]     log rows, newest first (--forward: oldest first)
  query URL --org ORG --logql QUERY [--from T] [--to T] [--step D] [--limit N] [--forward] [--json]
        a LogQL query (docs/lake.md lists the subset): log lines, or samples per step
  count URL --org ORG [--from T] [--to T] [--step D] [--by COL]... [--where COL=V]... [--json]
        counts per step
  watch URL [--prefix P] [--interval D] [--once] [--prefix-org PREFIX=ORG]...
        ingest new and changed raw objects under P as they appear (until Ctrl-C; resumes after a restart)
  serve URL [--port N] [--host H] [--bucket NAME]...
        the storage event endpoint (POST /events: S3/SQS/SNS, GCP Pub/Sub, Azure Event Grid bodies)
        and the Loki API (/loki/api/v1/...; --org ORG: the org when X-Scope-OrgID is absent)
  compact URL --org ORG [--day YYYYMMDD] [--target-bytes N] [--progress] [--json]
        merge each day's small segments toward N table bytes (default 2 MiB), swapped in atomically
  sweep URL [--org ORG] [--retention-days N] [--grace D] [--progress] [--json]
        drop days past the retention, delete replaced and unreferenced segment objects older than D (6h)

T: an ISO 8601 time, epoch seconds/ms, "now" or "now-1h" (default --from now-1h, --to now).
D: a duration such as 10s, 5m, 1h, 1d. COL: a column or an alias (level, service, namespace, cluster, pod).
--prefix-org PREFIX=ORG maps raw keys under PREFIX to ORG (otel-raw/{org}/{collector}/ keys need none).`;

type Values = {
  org?: string;
  'prefix-org'?: string[];
  'single-writer'?: boolean;
  json?: boolean;
  from?: string;
  to?: string;
  where?: string[];
  contains?: string;
  regex?: string;
  limit?: string;
  forward?: boolean;
  step?: string;
  by?: string[];
  logql?: string;
  prefix?: string;
  interval?: string;
  once?: boolean;
  port?: string;
  host?: string;
  bucket?: string[];
  day?: string;
  'target-bytes'?: string;
  'retention-days'?: string;
  grace?: string;
  progress?: boolean;
  'no-progress'?: boolean;
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration like `5m`. */
function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`lake: "${text}" is not a duration (10s, 5m, 1h, 1d)`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** Epoch ms of `now`, `now-1h` or an absolute time. */
function timeMs(text: string, nowMs: number): number {
  const relative = /^now(?:-(\w+))?$/.exec(text);
  if (relative) return nowMs - (relative[1] ? durationMs(relative[1]) : 0);
  const ns = parseTimestampNs(text);
  if (ns === undefined) throw new UsageError(`lake: "${text}" is not a time (ISO 8601, epoch, now, now-1h)`);
  return Number(ns / 1_000_000n);
}

function pairs(list: string[] | undefined, what: string): Record<string, string[]> {
  const outPairs: Record<string, string[]> = {};
  for (const item of list ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`lake: ${what} "${item}" must be NAME=VALUE`);
    const name = item.slice(0, at);
    outPairs[name] = [...(outPairs[name] ?? []), item.slice(at + 1)];
  }
  return outPairs;
}

async function withLake(
  url: string | undefined,
  values: Values,
  run: (lake: Lake, storage: StoragePort) => Promise<number>,
) {
  if (!url) throw new UsageError('lake: a storage URL is needed (bucketkit lake --help)');
  const port = connect(url);
  const orgs = Object.fromEntries(
    Object.entries(pairs(values['prefix-org'], '--prefix-org')).map(([p, o]) => [p, o.at(-1)!]),
  );
  try {
    return await run(openLake(port, { orgs, singleWriter: values['single-writer'] ?? false }), port);
  } finally {
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
      return lakeServe(lake, {
        port,
        host: values.host ?? '127.0.0.1',
        ...(values.bucket ? { buckets: values.bucket } : {}),
        extraRoutes: lokiRoutes(lake, { org: values.org ?? 'default', port: storage }),
      });
    }),
  ingest: ([url, ...keys], values) =>
    withLake(url, values, async (lake) => {
      if (keys.length === 0) throw new UsageError('lake ingest URL KEY... (at least one key)');
      let failed = 0;
      for (const key of keys) {
        try {
          const result = await lake.ingest(key);
          if (values.json) out(json({ key, ...result }));
          else {
            const state = result.alreadyIngested
              ? 'already ingested'
              : `${result.rows} rows, ${result.segments.length} segments`;
            out(`${key}: ${state}${result.badRows ? `, ${result.badRows} bad rows` : ''}`);
          }
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
  const { positionals, values } = parseOptions(
    argv,
    {
      org: { type: 'string' },
      'prefix-org': { type: 'string', multiple: true },
      'single-writer': { type: 'boolean' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      where: { type: 'string', multiple: true },
      contains: { type: 'string' },
      regex: { type: 'string' },
      limit: { type: 'string' },
      forward: { type: 'boolean' },
      step: { type: 'string' },
      by: { type: 'string', multiple: true },
      logql: { type: 'string' },
      prefix: { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      bucket: { type: 'string', multiple: true },
      day: { type: 'string' },
      'target-bytes': { type: 'string' },
      'retention-days': { type: 'string' },
      grace: { type: 'string' },
      ...PROGRESS_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    'lake ',
  );
  const [name, ...rest] = positionals;
  const command = pickCommand('lake ', name, values.help, COMMANDS, HELP);
  if (typeof command === 'number') return command;
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) {
    throw bkError('InvalidArgument', `--limit must be a whole number, not "${values.limit}"`);
  }
  return command(rest, values as Values);
}
