/**
 * Bounded memory of lake ingest (issue 16, item 1): one large NDJSON.gz file (default 3.4 M lines, about
 * 1 GiB uncompressed) ingested into a lake on the file port while RSS is sampled every 100 ms.
 *
 *   npx tsx bench/lake-memory.ts                 # 3.4 M lines (~1 GiB of JSON, ~125 MB gzipped)
 *   npx tsx bench/lake-memory.ts --lines 500000
 *
 * The file is cached under .tmp/lake-bench/raw-{lines}-1/; the port reads it as a stream, so RSS counts
 * the decoder, the cooked rows waiting for a segment and the Parquet writer, not the input file.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openLake } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { dayDataSet } from './lake-data.js';

const { values: args } = parseArgs({ options: { lines: { type: 'string', default: '3400000' } } });
const root = resolve('.tmp/lake-bench');
const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

const data = await dayDataSet(root, Number(args.lines), 1, log);
const rawPath = join(data.dir, data.files[0]!);
const lakeDir = join(root, 'lake-memory');
await rm(lakeDir, { recursive: true, force: true });
await mkdir(lakeDir, { recursive: true });
const port = fileStorage(lakeDir, { durable: false });
await port.put('raw/big.ndjson.gz', Readable.toWeb(createReadStream(rawPath)) as ReadableStream<Uint8Array>);
if (global.gc) global.gc();
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 100);
const since = process.cpuUsage();
const started = performance.now();
const lake = openLake(port, { orgs: { 'raw/': 'bench' } });
const result = await lake.ingest('raw/big.ndjson.gz', {
  onProgress: ({ rows, segments }) => {
    if (segments % 10 === 0)
      log(
        `${rows.toLocaleString('en')} rows, ${segments} segments, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
  },
});
clearInterval(sampler);
const used = process.cpuUsage(since);
const cpu = (used.user + used.system) / 1e6;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `ingested ${result.rows.toLocaleString('en')} rows (${(data.rawBytes / 1e6).toFixed(0)} MB gzipped) into ${result.segments.length} segments: ` +
    `peak RSS ${mib(peak)} (${mib(before)} before the ingest), ${cpu.toFixed(0)} CPU-s = ${Math.round(result.rows / cpu).toLocaleString('en')} rows/CPU-s, ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s wall, Node ${process.version}`,
);
await port.close?.();
await rm(lakeDir, { recursive: true, force: true });
