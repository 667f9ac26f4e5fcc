/**
 * The lake's two engines side by side on one generated day of logs: ingest rows per CPU-second
 * (NDJSON.gz → published segments, fingerprint included; DuckDB's threads are charged too), stored
 * bytes, a needle query (one request id, `contains`) over 1 h and over 24 h, and
 * `count by level, step 5 min` over 24 h, p50 of 5 runs each, on the file port.
 *
 *   npx tsx bench/lake-engines.ts                      # 1 M lines in 10 files
 *   BENCH_LINES=200000 npx tsx bench/lake-engines.ts
 *
 * CPU time is this process's (`process.cpuUsage`), so a loaded machine shows about what an idle core
 * would; wall times are printed too. bench/lake.ts is the full benchmark of issue 16.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type EngineName, openLake, readDayIndex } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import { randomText } from './random-text.js';

const LINES = Number(process.env.BENCH_LINES) > 0 ? Number(process.env.BENCH_LINES) : 1_000_000;
const FILES = 10;
const DAY = Date.UTC(2026, 4, 1);
const RUNS = 5;

const { next, pick, hex, ip } = randomText(0x9e3779b9);
const services = ['checkout', 'payments', 'auth', 'catalog', 'search', 'gateway', 'inventory', 'email'];
const levels = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG'];
const templates: ((id: string) => string)[] = [
  (id) => `request ${id} GET /api/v1/users/${next() % 99999} completed in ${next() % 2000}ms status=200`,
  (id) => `connection to ${ip()}:5432 refused after ${next() % 900}ms, retrying request ${id}`,
  (id) => `user ${next() % 100000} logged in from ${ip()} session=${hex(16)} req=${id}`,
  (id) => `cache miss for key product:${next() % 50000} in region eu-west-1 (${id}) took ${next() % 80}ms`,
  (id) => `payment ${id} authorised amount=${(next() % 100000) / 100} currency=EUR card=****${next() % 9999}`,
];

function file(f: number): Uint8Array {
  const per = LINES / FILES;
  const lines: string[] = [];
  for (let i = 0; i < per; i++) {
    const n = f * per + i;
    const ms = DAY + Math.floor((n / LINES) * 86_400_000);
    const id = `req-${n.toString(36).padStart(6, '0')}`;
    lines.push(
      JSON.stringify({
        timestamp: new Date(ms).toISOString(),
        level: pick(levels),
        message: pick(templates)(id),
        service: { name: pick(services) },
        pod: `${pick(services)}-${hex(5)}`,
        duration_ms: next() % 3000,
      }),
    );
  }
  return gzipSync(lines.join('\n'));
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const p50 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return p50(times);
}

const dir = await mkdtemp(join(tmpdir(), 'bench-lake-engines-'));
const raw = Array.from({ length: FILES }, (_, f) => file(f));
const rawBytes = raw.reduce((n, b) => n + b.byteLength, 0);
console.log(`${LINES} lines in ${FILES} NDJSON.gz files, ${(rawBytes / 1e6).toFixed(1)} MB`);
const table: string[][] = [];
for (const engine of ['typescript', 'duckdb'] as EngineName[]) {
  const port = fileStorage(join(dir, engine), { durable: false });
  for (const [f, bytes] of raw.entries()) await port.put(`raw/app-${f}.json.gz`, bytes);
  const lake = openLake(port, { orgs: { 'raw/': 'acme' }, engine });
  await lake.engine();
  const c0 = cpu();
  const w0 = performance.now();
  for (let f = 0; f < FILES; f++) await lake.ingest(`raw/app-${f}.json.gz`);
  const ingestCpu = cpu() - c0;
  const ingestWall = (performance.now() - w0) / 1000;
  const { index } = await readDayIndex(port, 'acme', 20260501);
  const stored = index.segments.reduce((n, s) => n + s.tableBytes + s.aggBytes, 0);
  const needleId = `req-${Math.floor(LINES * 0.52)
    .toString(36)
    .padStart(6, '0')}`;
  const needleMs = DAY + Math.floor(0.52 * 86_400_000);
  const hourFrom = needleMs - (needleMs % 3_600_000);
  const needle = async (from: number, to: number) => {
    let found = 0;
    for await (const _ of lake.logs({ org: 'acme', from, to, contains: needleId })) found++;
    if (found !== 1) throw new Error(`needle found ${found} times`);
  };
  const hour = await timed(() => needle(hourFrom, hourFrom + 3_600_000));
  const day = await timed(() => needle(DAY, DAY + 86_400_000));
  const count = await timed(() =>
    lake.count({ org: 'acme', from: DAY, to: DAY + 86_400_000, step: 300_000, by: ['level'] }),
  );
  table.push([
    engine,
    String(Math.round(LINES / ingestCpu)),
    ingestWall.toFixed(1),
    (stored / (LINES / 1e6) / 1e6).toFixed(1),
    String(index.segments.length),
    hour.toFixed(0),
    day.toFixed(0),
    count.toFixed(0),
  ]);
  await lake.close();
}
await rm(dir, { recursive: true, force: true });
const head = [
  'engine',
  'ingest rows/CPU-s',
  'ingest wall s',
  'MB per M lines',
  'segments',
  'needle 1h ms',
  'needle 24h ms',
  'count 24h ms',
];
console.log(head.join(' | '));
for (const row of table) console.log(row.join(' | '));
