/**
 * The lake benchmark (issue 16, item 9): one generated UTC day of application logs as NDJSON.gz files,
 * ingested into a lake on the file port, then queried; DuckDB queries the raw NDJSON.gz files directly in
 * the same run, for comparison. Prints a Markdown table on stdout, progress on stderr.
 *
 *   npx tsx bench/lake.ts                       # 10 M lines in 96 files (the issue's size)
 *   npx tsx bench/lake.ts --lines 1000000       # a smaller day
 *   npx tsx bench/lake.ts --runs 5 --files 48   # query repetitions (median), raw file count
 *   npx tsx bench/lake.ts --dir .tmp/lake-bench # keep the raw files there (a rerun skips generation)
 *   npx tsx bench/lake.ts --dir .tmp/lake-bench --skip-ingest   # query the lake a run left there
 *
 * By default everything (raw files, the lake) goes to a fresh folder under the OS temp dir, removed at
 * the end; with --dir the raw files stay under {dir}/raw-{lines}-{files}/ and the lake is built again
 * under {dir}/lake/. Ingest speed is rows per CPU-second of this process (`process.cpuUsage`), which is
 * rows per second per core: the lake ingests on one thread. Queries run on the TypeScript engine and on
 * the DuckDB engine over the same lake; the first run of each question is cold (nothing in memory: day
 * counts or agg files, filter partitions, footers), the p50 is over every run, the count's p50 over the warm ones.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Lake, type LogsResult, openLake, readDayIndex } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { DAY_MS, dayDataSet, NEEDLE_ID, NEEDLE_TIMES } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000000' },
    files: { type: 'string', default: '96' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string' },
    'skip-ingest': { type: 'boolean', default: false },
  },
});
const LINES = Number(args.lines);
const FILES = Number(args.files);
const RUNS = Number(args.runs);
const ROOT = args.dir ? resolve(args.dir) : await mkdtemp(join(tmpdir(), 'lake-bench-'));
const HOUR = 3_600_000;
const ORG = 'bench';
const dateint = 20260102;

const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** CPU time of a fixed loop: how fast this machine is right now (~0.1 s on an idle modern core). */
function referenceLoopSeconds(): number {
  const since = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < 1e8; i++) sum += i;
  if (sum < 0) throw new Error('unreachable');
  return cpuSeconds(since);
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number; cpu: number }> {
  const since = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start, cpu: cpuSeconds(since) };
}

async function main() {
  const reference = referenceLoopSeconds();
  log(`reference loop: ${reference.toFixed(2)} CPU-s; data set: ${fmt(LINES)} lines in ${FILES} files`);
  const data = await dayDataSet(ROOT, LINES, FILES, log);
  const lakeDir = join(ROOT, 'lake');
  const skip = args['skip-ingest'];
  if (!skip) {
    await rm(lakeDir, { recursive: true, force: true });
    await mkdir(lakeDir, { recursive: true });
  }
  const port = fileStorage(lakeDir, { durable: false });
  if (!skip)
    for (const name of data.files) await port.put(`raw/${name}`, await readFile(join(data.dir, name)));
  log(`raw files in the port (${fmt(data.rawBytes / 1e6, 1)} MB)`);

  // ingest, file after file, on this thread
  const lake = openLake(port, { orgs: { 'raw/': ORG } });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  let rows = 0;
  const ingest = await timed(async () => {
    for (const [i, name] of (skip ? [] : data.files).entries()) {
      rows += (await lake.ingest(`raw/${name}`)).rows;
      if (i % 8 === 7 || i === data.files.length - 1) log(`ingested ${i + 1}/${data.files.length} files`);
    }
  });
  clearInterval(sampler);
  if (!skip && rows !== data.lines) throw new Error(`ingested ${rows} rows of ${data.lines}`);
  const { index } = await readDayIndex(port, ORG, dateint);
  const tableBytes = index.segments.reduce((n, s) => n + s.tableBytes, 0);
  const aggBytes = index.segments.reduce((n, s) => n + s.aggBytes, 0);
  const indexBytes = (await port.head(`db/${ORG}/_index/logs/${dateint}.json`)).size;
  const stored = tableBytes + aggBytes + indexBytes;

  // queries: each engine on its own port object over the same lake (so each has its own agg cache)
  const ingestEngine = await lake.engine();
  const tsLake = openLake(fileStorage(lakeDir, { durable: false }), { engine: 'typescript' });
  const lakeRuns = await engineQueries(tsLake, 'typescript');
  const duckLake = openLake(fileStorage(lakeDir, { durable: false }), { engine: 'duckdb' });
  const engineRuns = await engineQueries(duckLake, 'duckdb');
  await Promise.all([tsLake.close(), duckLake.close()]);
  const lakeLevels = lakeRuns.levels;
  if (JSON.stringify(engineRuns.levels) !== JSON.stringify(lakeLevels))
    throw new Error('engines count differently');

  // DuckDB straight on the raw NDJSON.gz files, same questions
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  const raw = `read_ndjson('${join(data.dir, '*.ndjson.gz')}', columns = {timestamp: 'TIMESTAMP', level: 'VARCHAR', message: 'VARCHAR', resource_service_name: 'VARCHAR', resource_k8s_namespace_name: 'VARCHAR', resource_k8s_pod_name: 'VARCHAR'})`;
  const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const duckQueries = {
    needle1h: `SELECT * FROM ${raw} WHERE timestamp >= '${iso(DAY_MS + 13 * HOUR)}' AND timestamp < '${iso(DAY_MS + 14 * HOUR)}' AND contains(message, '${NEEDLE_ID}')`,
    needle24h: `SELECT * FROM ${raw} WHERE contains(message, '${NEEDLE_ID}')`,
    // the day only: a few of the last slice's lines fall just past midnight, in the next day
    count: `SELECT level, time_bucket(INTERVAL 5 MINUTE, timestamp) AS step, count(*) AS n FROM ${raw} WHERE timestamp >= '${iso(DAY_MS)}' AND timestamp < '${iso(DAY_MS + 24 * HOUR)}' GROUP BY ALL`,
  };
  const duckRuns: Record<string, number[]> = {};
  const duckCpu: Record<string, number[]> = {};
  let duckLevels: Record<string, number> = {};
  for (const [name, sql] of Object.entries(duckQueries)) {
    duckRuns[name] = [];
    duckCpu[name] = [];
    for (let r = 0; r < RUNS; r++) {
      const run = await timed(() => con.runAndReadAll(sql));
      duckRuns[name].push(run.ms);
      duckCpu[name].push(run.cpu * 1000);
      const out = run.value.getRowObjects();
      if (name.startsWith('needle') && out.length !== NEEDLE_TIMES.length) throw new Error(`duckdb ${name}`);
      if (name === 'count') {
        duckLevels = {};
        for (const row of out)
          duckLevels[String(row.level)] = (duckLevels[String(row.level)] ?? 0) + Number(row.n);
      }
    }
    log(`duckdb ${name}: ${duckRuns[name].map((m) => m.toFixed(0)).join(', ')} ms`);
  }
  con.closeSync();
  duck.closeSync();
  if (
    JSON.stringify(Object.entries(lakeLevels).sort()) !== JSON.stringify(Object.entries(duckLevels).sort())
  ) {
    throw new Error(
      `counts differ: lake ${JSON.stringify(lakeLevels)}, duckdb ${JSON.stringify(duckLevels)}`,
    );
  }

  const perMillion = (bytes: number) => (bytes / data.lines) * 1e6;
  const engineRow = await duckdbEngineRow();
  const out = [
    `Lake benchmark: ${fmt(data.lines)} lines (${FILES} NDJSON.gz files, ${fmt(data.rawBytes / 1e6, 1)} MB), ` +
      `medians of ${RUNS} runs (wall time; CPU of this process, DuckDB's threads included), Node ${process.version}, ` +
      `reference loop ${reference.toFixed(2)} CPU-s, load average ${loadavg()[0]!.toFixed(1)}`,
    '',
    '| measure | lake (TypeScript engine unless named) | DuckDB on the raw NDJSON.gz | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| ingest, rows/s per core (NDJSON.gz → published segments, ${ingestEngine} engine) | ${skip ? 'skipped (--skip-ingest)' : `${fmt(data.lines / ingest.cpu)} (${fmt(ingest.cpu, 1)} CPU-s, ${fmt(ingest.ms / 1000, 1)} s wall, peak RSS ${fmt(peakRss / 2 ** 20)} MiB)`} | — | — | ≥ 60 k |`,
    `| ingest with the DuckDB engine | ${engineRow} | — | — | ≥ 250 k |`,
    `| stored bytes per million lines | ${fmt(perMillion(stored) / 1e6, 1)} MB (tables ${fmt(perMillion(tableBytes) / 1e6, 1)}, agg ${fmt(perMillion(aggBytes) / 1e6, 2)}, index ${fmt(perMillion(indexBytes) / 1e6, 3)}) | ${fmt(perMillion(data.rawBytes) / 1e6, 1)} MB (the NDJSON.gz) | ${(stored / data.rawBytes).toFixed(2)} | ≤ 25 MB |`,
  ];
  const dayBytes = stored;
  for (const [name, label] of [
    ['needle1h', 'needle query (a rare id), 1 h, p50'],
    ['needle24h', 'needle query (a rare id), 24 h, p50'],
  ] as const) {
    const duckMs = median(duckRuns[name]!);
    for (const [engine, runs, goal] of [
      ['TypeScript', lakeRuns, '≤ 1 s'],
      ['DuckDB', engineRuns, '≤ 100 ms'],
    ] as const) {
      const run = runs[name];
      const lakeMs = median(run.ms);
      const share = (run.bytes / dayBytes) * 100;
      out.push(
        `| ${label}, ${engine} engine | ${fmt(lakeMs)} ms (CPU ${fmt(median(run.cpu))} ms; cold ${fmt(run.ms[0]!)} ms), ${run.segments} segments read, ${fmt(run.bytes / 1e6, 2)} MB read = ${share.toFixed(2)} % of the day, ${run.requests} requests (cold ${run.coldRequests}) | ${fmt(duckMs)} ms (CPU ${fmt(median(duckCpu[name]!))} ms) | ${(lakeMs / duckMs).toFixed(3)} | ${goal}, ≤ 10 % read |`,
      );
    }
  }
  const duckCount = median(duckRuns.count!);
  for (const [engine, runs] of [
    ['TypeScript', lakeRuns],
    ['DuckDB', engineRuns],
  ] as const) {
    const { count } = runs;
    const warm = median(count.ms.slice(1));
    out.push(
      `| \`sum by (level) (count_over_time(...[5m]))\` over 24 h, ${engine} engine, p50 warm (cold) | ${fmt(warm)} ms (CPU ${fmt(median(count.cpu.slice(1)))} ms), ${count.requests} request; cold ${fmt(count.ms[0]!)} ms (CPU ${fmt(count.cpu[0]!)} ms), ${count.coldRequests} requests, ${fmt(count.coldBytes / 1e3, 1)} KB read${count.dayCounts ? ' (index and day counts)' : ''} | ${fmt(duckCount)} ms (CPU ${fmt(median(duckCpu.count!))} ms) | ${(warm / duckCount).toFixed(3)} (${(count.ms[0]! / duckCount).toFixed(3)}) | ≤ 200 ms |`,
    );
  }
  console.log(out.join('\n'));
  await lake.close();
  await port.close?.();
}

interface QueryRuns {
  ms: number[];
  cpu: number[];
  bytes: number;
  segments: number;
  /** Requests of the first run (cold: nothing in memory) and of the last. */
  coldRequests: number;
  requests: number;
}

/** The needle and count questions on one engine: `RUNS` times each (the count once more, cold first). */
async function engineQueries(lake: Lake, engine: string) {
  const queries = {
    needle1h: () =>
      lake.logs({
        org: ORG,
        from: DAY_MS + 13 * HOUR,
        to: DAY_MS + 14 * HOUR,
        contains: NEEDLE_ID,
        limit: 100,
      }),
    needle24h: () =>
      lake.logs({ org: ORG, from: DAY_MS, to: DAY_MS + 24 * HOUR, contains: NEEDLE_ID, limit: 100 }),
  };
  const runs = {} as Record<keyof typeof queries, QueryRuns>;
  for (const [name, query] of Object.entries(queries) as [keyof typeof queries, () => LogsResult][]) {
    const entry: QueryRuns = { ms: [], cpu: [], bytes: 0, segments: 0, coldRequests: 0, requests: 0 };
    for (let r = 0; r < RUNS; r++) {
      const run = await timed(async () => {
        const result = query();
        let n = 0;
        for await (const _ of result) n++;
        return { n, stats: result.stats };
      });
      if (run.value.n !== NEEDLE_TIMES.length) throw new Error(`${engine} ${name} found ${run.value.n} rows`);
      entry.ms.push(run.ms);
      entry.cpu.push(run.cpu * 1000);
      entry.bytes = run.value.stats.bytesRead;
      entry.segments = run.value.stats.segmentsRead;
      if (r === 0) entry.coldRequests = run.value.stats.requests;
      entry.requests = run.value.stats.requests;
    }
    runs[name] = entry;
    log(
      `${engine} ${name}: ${entry.ms.map((m) => m.toFixed(0)).join(', ')} ms, ${entry.segments} segments read`,
    );
  }
  const count = {
    ms: [] as number[],
    cpu: [] as number[],
    requests: 0,
    coldRequests: 0,
    coldBytes: 0,
    dayCounts: 0,
  };
  let levels: Record<string, number> = {};
  for (let r = 0; r <= RUNS; r++) {
    const run = await timed(() =>
      lake.count({ org: ORG, from: DAY_MS, to: DAY_MS + 24 * HOUR, step: 300_000, by: ['level'] }),
    );
    count.ms.push(run.ms);
    count.cpu.push(run.cpu * 1000);
    if (r === 0) {
      count.coldRequests = run.value.stats.requests;
      count.coldBytes = run.value.stats.bytesRead;
      count.dayCounts = run.value.stats.dayCounts;
    }
    count.requests = run.value.stats.requests;
    levels = Object.fromEntries(
      run.value.series.map((s) => [s.labels.log_level ?? '', s.points.reduce((n, [, c]) => n + c, 0)]),
    );
  }
  log(`${engine} count: ${count.ms.map((m) => m.toFixed(0)).join(', ')} ms (first cold)`);
  return { ...runs, count, levels };
}

/** The DuckDB ingest engine's row, when `openLake(port, { engine: 'duckdb' })` exists. */
async function duckdbEngineRow(): Promise<string> {
  const lakeModule = (await import('../src/lake/index.js')) as Record<string, unknown>;
  return 'duckdbEngine' in lakeModule || 'DUCKDB_ENGINE' in lakeModule
    ? 'built, not measured by this script yet'
    : 'not built';
}

try {
  await main();
} finally {
  if (!args.dir) await rm(ROOT, { recursive: true, force: true });
}
