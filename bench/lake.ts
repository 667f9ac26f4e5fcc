/**
 * The lake benchmark (issue 16, item 9): one generated UTC day of application logs as NDJSON.gz files,
 * ingested into a lake on the file port, then queried; DuckDB queries the raw NDJSON.gz files directly in
 * the same run, for comparison. Prints a Markdown table on stdout, progress on stderr.
 *
 *   npx tsx bench/lake.ts                       # 10 M lines in 96 files (the size)
 *   npx tsx bench/lake.ts --lines 1000000       # a smaller day
 *   npx tsx bench/lake.ts --runs 5 --files 48   # query repetitions (median), raw file count
 *
 * The raw files are cached under .tmp/lake-bench/raw-{lines}-{files}/ (a rerun skips generation); the
 * lake is built again on every run under .tmp/lake-bench/lake/. Ingest speed is rows per CPU-second of
 * this process (`process.cpuUsage`), which is rows per second per core: the lake ingests on one thread.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLake, readDayIndex } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { DAY_MS, dayDataSet, NEEDLE_ID, NEEDLE_TIMES } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000000' },
    files: { type: 'string', default: '96' },
    runs: { type: 'string', default: '3' },
  },
});
const LINES = Number(args.lines);
const FILES = Number(args.files);
const RUNS = Number(args.runs);
const ROOT = resolve('.tmp/lake-bench');
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
  await rm(lakeDir, { recursive: true, force: true });
  await mkdir(lakeDir, { recursive: true });
  const port = fileStorage(lakeDir, { durable: false });
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
    for (const [i, name] of data.files.entries()) {
      rows += (await lake.ingest(`raw/${name}`)).rows;
      if (i % 8 === 7 || i === data.files.length - 1) log(`ingested ${i + 1}/${data.files.length} files`);
    }
  });
  clearInterval(sampler);
  if (rows !== data.lines) throw new Error(`ingested ${rows} rows of ${data.lines}`);
  const { index } = await readDayIndex(port, ORG, dateint);
  const tableBytes = index.segments.reduce((n, s) => n + s.tableBytes, 0);
  const aggBytes = index.segments.reduce((n, s) => n + s.aggBytes, 0);
  const indexBytes = (await port.head(`db/${ORG}/_index/logs/${dateint}.json`)).size;
  const stored = tableBytes + aggBytes + indexBytes;

  // queries: the TypeScript engine on the file port
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
  const lakeRuns: Record<string, { ms: number[]; cpu: number[]; bytes: number; rows: number }> = {};
  for (const [name, query] of Object.entries(queries)) {
    const ms: number[] = [];
    const cpu: number[] = [];
    let bytes = 0;
    let found = 0;
    for (let r = 0; r < RUNS; r++) {
      const run = await timed(async () => {
        const result = query();
        let n = 0;
        for await (const _ of result) n++;
        return { n, bytes: result.stats.bytesRead };
      });
      ms.push(run.ms);
      cpu.push(run.cpu * 1000);
      bytes = run.value.bytes;
      found = run.value.n;
    }
    if (found !== NEEDLE_TIMES.length) throw new Error(`${name} found ${found} rows`);
    lakeRuns[name] = { ms, cpu, bytes, rows: found };
    log(`lake ${name}: ${ms.map((m) => m.toFixed(0)).join(', ')} ms`);
  }
  const countMs: number[] = [];
  const countCpu: number[] = [];
  let countBytes = 0;
  let lakeLevels: Record<string, number> = {};
  for (let r = 0; r < RUNS; r++) {
    const run = await timed(() =>
      lake.count({ org: ORG, from: DAY_MS, to: DAY_MS + 24 * HOUR, step: 300_000, by: ['level'] }),
    );
    countMs.push(run.ms);
    countCpu.push(run.cpu * 1000);
    countBytes = run.value.stats.bytesRead;
    lakeLevels = Object.fromEntries(
      run.value.series.map((s) => [s.labels.log_level ?? '', s.points.reduce((n, [, c]) => n + c, 0)]),
    );
  }
  log(`lake count: ${countMs.map((m) => m.toFixed(0)).join(', ')} ms`);

  // DuckDB straight on the raw NDJSON.gz files, same questions
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  const raw = `read_ndjson('${join(data.dir, '*.ndjson.gz')}', columns = {timestamp: 'TIMESTAMP', level: 'VARCHAR', message: 'VARCHAR', resource_service_name: 'VARCHAR', resource_k8s_namespace_name: 'VARCHAR', resource_k8s_pod_name: 'VARCHAR'})`;
  const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const duckQueries = {
    needle1h: `SELECT * FROM ${raw} WHERE timestamp >= '${iso(DAY_MS + 13 * HOUR)}' AND timestamp < '${iso(DAY_MS + 14 * HOUR)}' AND contains(message, '${NEEDLE_ID}')`,
    needle24h: `SELECT * FROM ${raw} WHERE contains(message, '${NEEDLE_ID}')`,
    count: `SELECT level, time_bucket(INTERVAL 5 MINUTE, timestamp) AS step, count(*) AS n FROM ${raw} GROUP BY ALL`,
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
    '| measure | lake, TypeScript engine | DuckDB on the raw NDJSON.gz | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| ingest, rows/s per core (NDJSON.gz → published segments) | ${fmt(data.lines / ingest.cpu)} (${fmt(ingest.cpu, 1)} CPU-s, ${fmt(ingest.ms / 1000, 1)} s wall, peak RSS ${fmt(peakRss / 2 ** 20)} MiB) | — | — | ≥ 60 k |`,
    `| ingest with the DuckDB engine | ${engineRow} | — | — | ≥ 250 k |`,
    `| stored bytes per million lines | ${fmt(perMillion(stored) / 1e6, 1)} MB (tables ${fmt(perMillion(tableBytes) / 1e6, 1)}, agg ${fmt(perMillion(aggBytes) / 1e6, 2)}, index ${fmt(perMillion(indexBytes) / 1e6, 3)}) | ${fmt(perMillion(data.rawBytes) / 1e6, 1)} MB (the NDJSON.gz) | ${(stored / data.rawBytes).toFixed(2)} | ≤ 25 MB |`,
  ];
  for (const [name, label] of [
    ['needle1h', 'needle query (a rare id), 1 h, p50'],
    ['needle24h', 'needle query (a rare id), 24 h, p50'],
  ] as const) {
    const lakeMs = median(lakeRuns[name]!.ms);
    const duckMs = median(duckRuns[name]!);
    const share = (lakeRuns[name]!.bytes / stored) * 100;
    out.push(
      `| ${label} | ${fmt(lakeMs)} ms (CPU ${fmt(median(lakeRuns[name]!.cpu))} ms), ${fmt(lakeRuns[name]!.bytes / 1e6, 1)} MB read = ${share.toFixed(1)} % of the day | ${fmt(duckMs)} ms (CPU ${fmt(median(duckCpu[name]!))} ms) | ${(lakeMs / duckMs).toFixed(2)} | ≤ 1 s, ≤ 10 % read |`,
    );
  }
  const lakeCount = median(countMs);
  const duckCount = median(duckRuns.count!);
  out.push(
    `| \`sum by (level) (count_over_time(...[5m]))\` over 24 h, p50 | ${fmt(lakeCount)} ms (CPU ${fmt(median(countCpu))} ms), ${fmt(countBytes / 1e3, 1)} KB read | ${fmt(duckCount)} ms (CPU ${fmt(median(duckCpu.count!))} ms) | ${(lakeCount / duckCount).toFixed(2)} | ≤ 200 ms |`,
  );
  console.log(out.join('\n'));
  await port.close?.();
}

/** The DuckDB ingest engine's row, when `openLake(port, { engine: 'duckdb' })` exists. */
async function duckdbEngineRow(): Promise<string> {
  const lakeModule = (await import('../src/lake/index.js')) as Record<string, unknown>;
  return 'duckdbEngine' in lakeModule || 'DUCKDB_ENGINE' in lakeModule
    ? 'built, not measured by this script yet'
    : 'not built';
}

await main();
