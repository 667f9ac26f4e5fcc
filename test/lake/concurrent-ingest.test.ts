import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDayCounts } from '../../src/lake/catalog/day-counts-store.js';
import { type LogRow, openLake, readDayIndex } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { cephLake, runWorker } from './processes.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const FILES = 200;
const ROWS_PER_FILE = 5;
// 200 files over two UTC days: each file's rows start 10 min after the previous file's
const FILE_EVERY_MS = 600_000;

async function seed(port: StoragePort): Promise<void> {
  for (let f = 0; f < FILES; f++) {
    const lines = rawLines(ROWS_PER_FILE, T0 + f * FILE_EVERY_MS, 1000, f * ROWS_PER_FILE);
    await port.put(`logs-raw/${String(f).padStart(3, '0')}.json.gz`, ndjsonGz(lines));
  }
}

/** Four processes ingest the same 200 files at once; every row must be in the lake exactly once. */
async function fourProcesses(port: StoragePort, spec: object): Promise<void> {
  await seed(port);
  const published = await Promise.all(
    [1, 2, 3, 4].map((s) => runWorker('ingest-worker.ts', [JSON.stringify(spec), String(s)])),
  );
  expect(published.reduce((a, b) => a + b, 0)).toBe(FILES * ROWS_PER_FILE);

  const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' } });
  const rows: LogRow[] = [];
  const end = T0 + FILES * FILE_EVERY_MS;
  for await (const row of lake.logs({ org: 'acme', from: T0, to: end, limit: 1_000_000, order: 'forward' }))
    rows.push(row);
  const ids = rows.map((r) => Number(/id=req-(\d+)/.exec(r.log_message)![1]));
  expect(ids).toEqual(Array.from({ length: FILES * ROWS_PER_FILE }, (_, i) => i));

  for (const dateint of [20260102, 20260103, 20260104]) {
    const { index } = await readDayIndex(port, 'acme', dateint);
    const sources = index.segments.flatMap((s) => s.sources);
    expect(new Set(sources).size).toBe(sources.length);
  }
  const tables: string[] = [];
  for await (const e of port.list({ prefix: 'db/acme/' }))
    if (e.type === 'object' && e.key.includes('/tbl_')) tables.push(e.key);
  const indexed = [];
  for (const dateint of [20260102, 20260103, 20260104])
    indexed.push(...(await readDayIndex(port, 'acme', dateint)).index.segments.map((s) => s.table));
  expect(tables.sort()).toEqual(indexed.sort()); // the races' losers removed their segment objects

  // the day counts, written by every process at once, hold each live segment once
  for (const dateint of [20260102, 20260103]) {
    const { index } = await readDayIndex(port, 'acme', dateint);
    const { counts } = await readDayCounts(port, 'acme', dateint);
    expect(counts!.segments).toEqual(index.segments.map((s) => s.id).sort());
  }
  const count = { org: 'acme', from: T0 - 36_000_000, to: end + 600_000, step: 3_600_000, by: ['level'] };
  const fromCounts = await lake.count(count);
  expect(fromCounts.stats.dayCounts).toBe(2);
  expect(fromCounts.series).toEqual((await lake.count({ ...count, contains: '' })).series);
}

describe('4 processes ingesting 200 files into one lake', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('on the file port: every row exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-4p-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await fourProcesses(fileStorage(dir), { root: dir });
  }, 300_000);

  it('on Ceph RGW: every row exactly once', async () => {
    const { port, spec } = await cephLake('lake', cleanups);
    await fourProcesses(port, spec);
  }, 600_000);
});
