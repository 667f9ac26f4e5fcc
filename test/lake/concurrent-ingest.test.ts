import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LogRow, openLake, readDayIndex } from '../../src/lake/index.js';
import { fileStorage, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw } from '../support/servers.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const worker = join(import.meta.dirname, 'fixtures', 'ingest-worker.ts');
const FILES = 200;
const ROWS_PER_FILE = 5;
// 200 files over two UTC days: each file's rows start 10 min after the previous file's
const FILE_EVERY_MS = 600_000;

function runWorker(spec: object, seed: number): Promise<number> {
  const child: ChildProcess = fork(worker, [JSON.stringify(spec), String(seed)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { result?: number; error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m.result!),
    );
    child.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

async function seed(port: StoragePort): Promise<void> {
  for (let f = 0; f < FILES; f++) {
    const lines = rawLines(ROWS_PER_FILE, T0 + f * FILE_EVERY_MS, 1000, f * ROWS_PER_FILE);
    await port.put(`logs-raw/${String(f).padStart(3, '0')}.json.gz`, ndjsonGz(lines));
  }
}

/** Four processes ingest the same 200 files at once; every row must be in the lake exactly once. */
async function fourProcesses(port: StoragePort, spec: object): Promise<void> {
  await seed(port);
  const published = await Promise.all([1, 2, 3, 4].map((s) => runWorker(spec, s)));
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
    const server: S3Server = await startCephRgw('lake');
    cleanups.push(() => server.stop());
    const spec = {
      bucket: server.bucket,
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    };
    const port = s3Storage({
      bucket: spec.bucket,
      endpoint: spec.endpoint,
      credentials: { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey },
    });
    cleanups.unshift(async () => port.close?.());
    await fourProcesses(port, spec);
  }, 600_000);
});
