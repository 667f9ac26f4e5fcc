/**
 * The lake's metrics against a real Prometheus (Debian's 2.42) on the same samples, in one run (issue 17,
 * item 9). The data set (bench/lake-metrics-data.ts) has the judge's metric names: counters with resets,
 * gauges and a classic histogram, `--instances` × 24 series, `--hours` of `--interval`-second samples.
 *
 *   npx tsx bench/lake-metrics.ts [--instances 8] [--hours 8] [--interval 15] [--runs 3] [--repeats 3]
 *                                 [--cache-rows N]   # the API's kept rows (default its default; 0: none)
 *
 * Measured, each a median of `--runs` fresh runs unless said otherwise:
 * - ingest, samples per CPU-second: the lake ingesting remote-write objects of one hour and one kind each
 *   (decode, cook, Parquet, index; the process's CPU, all threads) with the TypeScript engine and with the
 *   DuckDB engine (one database opened before the runs, as a lake keeps it), and promtool backfilling the
 *   same samples from OpenMetrics text (its CPU, all threads), all three in every run;
 * - bytes stored per sample and kind: the lake's tables (each engine's) against Prometheus's blocks (chunks + index) once
 *   Prometheus had a minute to compact them, one Prometheus per kind;
 * - query latency of the judge's queries (bench/lake-metrics-queries.ts) on both HTTP APIs, the lake's
 *   server in this process on the file port (before rollups, as in the judge test), Prometheus with the
 *   whole data set; per case the median of `--repeats` after one warm-up run (which fills the lake's
 *   kept rows, as Prometheus's page cache is warm), then the median of the lake/Prometheus ratios;
 * - rollup rows per CPU-second for each tier step.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { engineHandle } from '../src/lake/engines/select.js';
import { loadZstd } from '../src/lake/parquet/zstd.js';
import { benchSeries, type SeriesKind, sampleCount } from './lake-metrics-data.js';
import {
  type LakeIngest,
  lakeIngest,
  lakeRollups,
  lakeServer,
  type RollupTier,
} from './lake-metrics-lake.js';
import { type BlockSizes, prometheusWithBlocks, promtoolIngestCpu } from './lake-metrics-prometheus.js';
import { median, queryCases, timeQueries } from './lake-metrics-queries.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '8' },
    hours: { type: 'string', default: '8' },
    interval: { type: 'string', default: '15' },
    runs: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '3' },
    'cache-rows': { type: 'string' },
    'no-queries': { type: 'boolean', default: false },
  },
});
const HOUR = 3_600_000;
const startMs = Date.UTC(2026, 0, 7, 0, 0, 0);
const hours = Number(args.hours);
const window = { startMs, endMs: startMs + hours * HOUR, objectMs: HOUR };
const series = benchSeries({
  instances: Number(args.instances),
  startMs,
  hours,
  intervalMs: Number(args.interval) * 1000,
});
const kinds: SeriesKind[] = ['counter', 'gauge', 'histogram'];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));
const zstd = await loadZstd();
console.log(
  `${series.length} series, ${sampleCount(series).toLocaleString('en')} samples over ${hours} h; load ${load()}`,
);

const duckdb = engineHandle('duckdb');
await duckdb.get();
const lakeRuns: LakeIngest[] = [];
const duckRuns: LakeIngest[] = [];
const rollupRuns: RollupTier[][] = [];
const promCpu: number[] = [];
let lastLake: { dir: string; ingest: LakeIngest } | undefined;
for (let run = 0; run < Number(args.runs); run++) {
  if (lastLake) await rm(lastLake.dir, { recursive: true, force: true });
  const dir = await mkdtemp(join(tmpdir(), 'bench-lake-metrics-'));
  const ingest = await lakeIngest(dir, series, window, zstd);
  lakeRuns.push(ingest);
  lastLake = { dir, ingest };
  const duckDir = await mkdtemp(join(tmpdir(), 'bench-lake-metrics-duckdb-'));
  duckRuns.push(await lakeIngest(duckDir, series, window, zstd, duckdb.get));
  await rm(duckDir, { recursive: true, force: true });
  promCpu.push(await promtoolIngestCpu(series));
  const rate = (r: LakeIngest) => fmt(r.samples / r.cpuSeconds);
  console.log(
    `run ${run + 1}: lake TypeScript ${rate(ingest)}, DuckDB ${rate(duckRuns.at(-1)!)} samples/CPU-s, promtool ${fmt(
      sampleCount(series) / promCpu.at(-1)!,
    )}; load ${load()}`,
  );
}
const dir = lastLake!.dir;
try {
  const samples = sampleCount(series);
  console.log('\nPrometheus: backfilling and waiting for its compaction (about a minute) ...');
  const [all, ...byKind] = await Promise.all([
    prometheusWithBlocks(series, { keep: !args['no-queries'], waitMs: 150_000 }),
    ...kinds.map((k) =>
      prometheusWithBlocks(
        series.filter((s) => s.kind === k),
        { keep: false, waitMs: 150_000 },
      ),
    ),
  ]);
  const promSize: Record<SeriesKind | 'all', BlockSizes> = {
    all: all!.sizes,
    counter: byKind[0]!.sizes,
    gauge: byKind[1]!.sizes,
    histogram: byKind[2]!.sizes,
  };

  let queryLines: string[] = [];
  if (all?.prometheus) {
    const cacheRows = args['cache-rows'] === undefined ? undefined : Number(args['cache-rows']);
    const server = await lakeServer(lastLake!.ingest.port, zstd, cacheRows);
    try {
      const cases = queryCases(window.startMs, window.endMs);
      console.log(
        `queries: ${cases.length} cases × ${args.repeats} repeats, cacheRows ${cacheRows ?? 'default'}; load ${load()}`,
      );
      const timings = await timeQueries(all.prometheus.url, server.url, cases, Number(args.repeats));
      const ratios = timings.map((t) => t.lakeMs / t.promMs);
      const wins = timings.filter((t) => t.lakeMs < t.promMs);
      const differ = timings.filter((t) => !t.sameShape);
      const worst = [...timings].sort((a, b) => b.lakeMs / b.promMs - a.lakeMs / a.promMs).slice(0, 5);
      queryLines = [
        `| query latency, median per case (${cases.length} cases) | ${fmt(median(timings.map((t) => t.lakeMs)))} ms | ${fmt(median(timings.map((t) => t.promMs)))} ms | ${fmt(median(ratios))} (median of ratios) |`,
        '',
        `lake faster in ${wins.length} of ${cases.length} cases${wins.length ? `: ${wins.map((w) => w.label).join('; ')}` : ''}`,
        `slowest ratios: ${worst.map((w) => `${w.label} ${fmt(w.lakeMs)}/${fmt(w.promMs)} ms`).join('; ')}`,
        `answers of different shape (status or series count): ${differ.length}${differ.length ? ` (${differ.map((d) => d.label).join('; ')})` : ''}`,
        `load after queries ${load()}`,
      ];
    } finally {
      await server.close();
      await all.prometheus.stop();
    }
  }

  for (let run = 0; run < Number(args.runs); run++) {
    const runDir = run === 0 ? dir : await mkdtemp(join(tmpdir(), 'bench-lake-metrics-'));
    const ingest = run === 0 ? lastLake!.ingest : await lakeIngest(runDir, series, window, zstd);
    rollupRuns.push(await lakeRollups(ingest.port, window, zstd));
    if (run > 0) await rm(runDir, { recursive: true, force: true });
  }

  const lakeRate = median(lakeRuns.map((r) => r.samples / r.cpuSeconds));
  const duckRate = median(duckRuns.map((r) => r.samples / r.cpuSeconds));
  const promRate = median(promCpu.map((c) => samples / c));
  const lines = [
    `\n| ${samples.toLocaleString('en')} samples, ${series.length} series | lake (TypeScript, file port) | Prometheus 2.42 | lake / Prometheus |`,
    '|---|---|---|---|',
    `| ingest, samples/CPU-s (median of ${lakeRuns.length}) | ${fmt(lakeRate)} | ${fmt(promRate)} (promtool backfill) | ${fmt(lakeRate / promRate)} |`,
    `| ingest with the DuckDB engine, samples/CPU-s (median of ${duckRuns.length}) | ${fmt(duckRate)} | ${fmt(promRate)} | ${fmt(duckRate / promRate)} |`,
  ];
  const lastDuck = duckRuns.at(-1)!;
  for (const kind of [...kinds, 'all'] as const) {
    const lake =
      kind === 'all'
        ? kinds.reduce((n, k) => n + lastLake!.ingest.stored[k].bytes, 0)
        : lastLake!.ingest.stored[kind].bytes;
    const n = kind === 'all' ? samples : lastLake!.ingest.stored[kind].samples;
    const prom = promSize[kind];
    const duck =
      kind === 'all' ? kinds.reduce((n, k) => n + lastDuck.stored[k].bytes, 0) : lastDuck.stored[kind].bytes;
    lines.push(
      `| bytes/sample, ${kind} | ${(lake / n).toFixed(2)} (DuckDB engine ${(duck / n).toFixed(2)}) | ${(prom.totalBytes / n).toFixed(2)} (chunks ${(prom.chunkBytes / n).toFixed(2)}; ${prom.blocks} blocks, level ${prom.level}) | ${(lake / prom.totalBytes).toFixed(2)} (${(duck / prom.totalBytes).toFixed(2)}) |`,
    );
  }
  lines.push(...queryLines.slice(0, 1));
  for (const [i, tier] of rollupRuns[0]!.entries()) {
    const rate = median(rollupRuns.map((r) => r[i]!.rowsRead / r[i]!.cpuSeconds));
    lines.push(
      `| rollup ${tier.fromMs / 1000} s → ${tier.toMs / 1000} s, rows read/CPU-s | ${fmt(rate)} (${tier.rowsRead.toLocaleString('en')} rows) | — | — |`,
    );
  }
  console.log([...lines, ...queryLines.slice(1)].join('\n'));
  console.log(`load ${load()}`);
} finally {
  await duckdb.close();
  await rm(dir, { recursive: true, force: true });
}
