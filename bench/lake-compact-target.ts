/**
 * Compaction's target size against query cost (issue 16, item 5: "default chosen from the benchmark").
 * One generated day (bench/lake-data.ts) is ingested once, one segment per raw file; then, for each
 * target size, a copy of that lake is compacted and asked the lake benchmark's questions with each
 * engine: a needle (`contains` a rare id) over 1 h and over 24 h, and counts by level over 24 h in
 * 5-minute steps. Printed per target: segments, compaction CPU-s, and per query the CPU ms (p50 of
 * --runs; DuckDB's threads included), wall ms, MB read and storage requests.
 *
 *   npx tsx bench/lake-compact-target.ts                       # 1 M lines in 96 files
 *   npx tsx bench/lake-compact-target.ts --lines 3000000 --targets 1,4,16
 *
 * Cost is CPU time of this process, because the machine may be shared; data is cached under
 * .tmp/lake-bench/raw-{lines}-{files}/ and the lakes are deleted at the end.
 */
import { createReadStream } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type EngineName, type Lake, openLake, type QueryStats, readDayIndex } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { DAY_MS, dayDataSet, NEEDLE_ID, NEEDLE_TIMES } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '96' },
    runs: { type: 'string', default: '5' },
    targets: { type: 'string', default: '0,1,2,4,8,16,32' }, // MiB; 0 = not compacted
    engines: { type: 'string', default: 'typescript,duckdb' },
  },
});
const RUNS = Number(args.runs);
const ROOT = resolve('.tmp/lake-bench');
const HOUR = 3_600_000;
const ORG = 'bench';
const DATEINT = 20260102;
const MiB = 1024 * 1024;

const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Cost {
  cpu: number;
  wall: number;
  mb: number;
  requests: number;
}

async function measure(run: () => Promise<QueryStats>): Promise<Cost> {
  const cpu: number[] = [];
  const wall: number[] = [];
  let stats: QueryStats | undefined;
  for (let r = 0; r < RUNS; r++) {
    const since = process.cpuUsage();
    const start = performance.now();
    stats = await run();
    wall.push(performance.now() - start);
    cpu.push(cpuMs(since));
  }
  return { cpu: median(cpu), wall: median(wall), mb: stats!.bytesRead / 1e6, requests: stats!.requests };
}

async function needle(lake: Lake, from: number, to: number): Promise<QueryStats> {
  const result = lake.logs({ org: ORG, from, to, contains: NEEDLE_ID, limit: 100 });
  let found = 0;
  for await (const _ of result) found++;
  const expected = NEEDLE_TIMES.filter((t) => t >= from && t < to).length;
  if (found !== expected) throw new Error(`needle found ${found} rows, not ${expected}`);
  return result.stats;
}

async function main() {
  const data = await dayDataSet(ROOT, Number(args.lines), Number(args.files), log);
  const work = join(ROOT, 'compact-target');
  await rm(work, { recursive: true, force: true });
  const base = join(work, 'ingested');
  await mkdir(base, { recursive: true });
  const basePort = fileStorage(base, { durable: false });
  const ingestLake = openLake(basePort, { orgs: { 'raw/': ORG }, engine: 'typescript' });
  for (const name of data.files) {
    const body = Readable.toWeb(createReadStream(join(data.dir, name))) as ReadableStream<Uint8Array>;
    await basePort.put(`raw/${name}`, body);
    await ingestLake.ingest(`raw/${name}`);
  }
  await ingestLake.close();
  log(`ingested ${data.lines.toLocaleString('en')} lines in ${data.files.length} files`);

  const rows: string[][] = [];
  for (const mib of args.targets.split(',').map(Number)) {
    const dir = join(work, `target-${mib}`);
    await cp(base, dir, { recursive: true });
    const port = fileStorage(dir, { durable: false });
    let compactCpu = 0;
    if (mib > 0) {
      const since = process.cpuUsage();
      await openLake(port, { orgs: { 'raw/': ORG }, engine: 'typescript' }).compact({
        org: ORG,
        targetBytes: mib * MiB,
      });
      compactCpu = cpuMs(since) / 1000;
    }
    const { index } = await readDayIndex(port, ORG, DATEINT);
    const live = index.segments.filter((s) => s.published);
    const mbPerSegment = live.reduce((n, s) => n + s.tableBytes, 0) / live.length / 1e6;
    for (const engine of args.engines.split(',') as EngineName[]) {
      const lake = openLake(port, { orgs: { 'raw/': ORG }, engine });
      await lake.engine();
      const hour = await measure(() => needle(lake, DAY_MS + 13 * HOUR, DAY_MS + 14 * HOUR));
      const day = await measure(() => needle(lake, DAY_MS, DAY_MS + 24 * HOUR));
      const count = await measure(
        async () =>
          (await lake.count({ org: ORG, from: DAY_MS, to: DAY_MS + 24 * HOUR, step: 300_000, by: ['level'] }))
            .stats,
      );
      await lake.close();
      const cell = (c: Cost) =>
        `${c.cpu.toFixed(0)} (${c.wall.toFixed(0)}) ${c.mb.toFixed(1)} / ${c.requests}`;
      rows.push([
        mib === 0 ? 'none' : `${mib} MiB`,
        String(live.length),
        mbPerSegment.toFixed(2),
        compactCpu.toFixed(1),
        engine,
        cell(hour),
        cell(day),
        cell(count),
      ]);
      log(rows.at(-1)!.join(' | '));
    }
    await rm(dir, { recursive: true, force: true });
  }
  await rm(work, { recursive: true, force: true });
  console.log(
    `${data.lines.toLocaleString('en')} lines, ${data.files.length} files; cells: CPU ms p50 (wall ms p50) MB read / requests`,
  );
  console.log(
    '| target | segments | MB per segment | compaction CPU-s | engine | needle 1 h | needle 24 h | count 24 h |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

await main();
