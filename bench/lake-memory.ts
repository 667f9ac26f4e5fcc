/**
 * Bounded memory of lake ingest (issue 16, item 1): one large NDJSON.gz file (default 3.4 M lines, about
 * 1 GiB uncompressed) ingested into a lake on the file port, in a fresh child process whose peak RSS
 * (the kernel's `maxRSS`) and CPU time are reported.
 *
 *   npx tsx bench/lake-memory.ts                 # 3.4 M lines (~1 GiB of JSON, ~125 MB gzipped)
 *   npx tsx bench/lake-memory.ts --lines 500000 --engine duckdb
 *   npx tsx bench/lake-memory.ts --runner tsx    # the child under tsx too (its loader thread costs ~35 MiB)
 *
 * The file is generated under --dir (default /tmp/bucketkit-lake-memory) and deleted afterwards unless
 * --keep. The child starts after generation, so its RSS counts the modules, the decoder, the cooked
 * rows waiting for a segment and the Parquet writer; the port reads the file as a stream. By default the
 * child runs this file compiled to JavaScript (esbuild, into the repository's `.tmp/`, packages left as
 * imports), as an application runs the built package; `--runner tsx` runs it under tsx instead.
 */
import { fork } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type EngineName, openLake, readDayIndex } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { dayDataSet } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '3400000' },
    engine: { type: 'string', default: 'typescript' },
    dir: { type: 'string', default: '/tmp/bucketkit-lake-memory' },
    keep: { type: 'boolean', default: false },
    'segment-rows': { type: 'string' },
    runner: { type: 'string', default: 'compiled' },
    child: { type: 'string' },
  },
});
const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

interface ChildReport {
  rows: number;
  segments: number;
  cpu: number;
  wall: number;
  startRss: number;
  peakRss: number;
  peakHeap: number;
  peakArrayBuffers: number;
  engine: string;
  storedBytes: number;
}

/** This file as one JavaScript module (its packages stay imports, resolved from the repository). */
async function compiled(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = resolve(fileURLToPath(new URL('../.tmp/lake-memory-child.mjs', import.meta.url)));
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

/** Table, agg and index bytes of the days the data set spans. */
async function storedBytes(port: ReturnType<typeof fileStorage>): Promise<number> {
  let bytes = 0;
  for (const dateint of [20260102, 20260103]) {
    const { index, bytes: indexBytes } = await readDayIndex(port, 'bench', dateint);
    for (const s of index.segments) bytes += s.tableBytes + s.aggBytes;
    bytes += indexBytes;
  }
  return bytes;
}

if (args.child !== undefined) {
  const port = fileStorage(args.child, { durable: false });
  const startRss = process.memoryUsage().rss;
  const since = process.cpuUsage();
  const started = performance.now();
  const segmentRows = args['segment-rows'] === undefined ? {} : { segmentRows: Number(args['segment-rows']) };
  const lake = openLake(port, {
    orgs: { 'raw/': 'bench' },
    engine: args.engine as EngineName,
    ...segmentRows,
  });
  let top = process.memoryUsage(); // sampled: where the memory was when RSS was highest
  // rss() alone is cheap; the full memoryUsage() walks the heap and would show in the CPU time
  const sampler = setInterval(() => {
    if (process.memoryUsage.rss() > top.rss) top = process.memoryUsage();
  }, 100);
  const result = await lake.ingest('raw/big.ndjson.gz', {
    onProgress: ({ rows, segments }) => {
      if (segments % 10 === 0)
        log(`${rows.toLocaleString('en')} rows, ${segments} segments, rss ${mib(process.memoryUsage().rss)}`);
    },
  });
  clearInterval(sampler);
  const used = process.cpuUsage(since);
  const report: ChildReport = {
    rows: result.rows,
    segments: result.segments.length,
    cpu: (used.user + used.system) / 1e6,
    wall: (performance.now() - started) / 1000,
    startRss,
    peakRss: process.resourceUsage().maxRSS * 1024,
    peakHeap: top.heapUsed,
    peakArrayBuffers: top.arrayBuffers,
    engine: await lake.engine(),
    storedBytes: await storedBytes(port),
  };
  await lake.close();
  process.send!(report, () => process.exit(0));
} else {
  const root = resolve(args.dir);
  try {
    const data = await dayDataSet(root, Number(args.lines), 1, log);
    const lakeDir = join(root, 'lake-memory');
    await rm(lakeDir, { recursive: true, force: true });
    await mkdir(lakeDir, { recursive: true });
    const port = fileStorage(lakeDir, { durable: false });
    const file = createReadStream(join(data.dir, data.files[0]!));
    await port.put('raw/big.ndjson.gz', Readable.toWeb(file) as ReadableStream<Uint8Array>);
    const passOn = [
      '--engine',
      args.engine,
      ...(args['segment-rows'] ? ['--segment-rows', args['segment-rows']] : []),
    ];
    const script = args.runner === 'tsx' ? fileURLToPath(import.meta.url) : await compiled();
    const child = fork(script, ['--child', lakeDir, ...passOn], {
      execArgv: args.runner === 'tsx' ? process.execArgv : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const report = await new Promise<ChildReport>((done, fail) => {
      child.once('message', (m) => done(m as ChildReport));
      child.once('exit', (code) => fail(new Error(`the ingest process exited with ${code}`)));
    });
    console.log(
      `ingested ${report.rows.toLocaleString('en')} rows (${(data.rawBytes / 1e6).toFixed(0)} MB gzipped) ` +
        `into ${report.segments} segments: peak RSS ${mib(report.peakRss)} (${mib(report.startRss)} at start; ` +
        `at the peak ${mib(report.peakHeap)} JS heap, ${mib(report.peakArrayBuffers)} array buffers), ` +
        `${report.cpu.toFixed(0)} CPU-s = ${Math.round(report.rows / report.cpu).toLocaleString('en')} rows/CPU-s, ` +
        `${report.wall.toFixed(0)} s wall, ${report.engine} engine, Node ${process.version} (${args.runner}); ` +
        `${(report.storedBytes / report.rows).toFixed(1)} MB stored per million lines`,
    );
  } finally {
    if (!args.keep) await rm(root, { recursive: true, force: true });
  }
}
