import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { indexedObjects, ORGS, range, requestIds, seedFiles, segmentObjects } from './compact-support.js';

const FILES = 60;
const ROWS = 10;

function runWorker(script: string, args: string[]): Promise<number> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'fixtures', script), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { result?: number; error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m.result!),
    );
    child.on('exit', (code) => code !== 0 && reject(new Error(`${script} exited with ${code}`)));
  });
}

describe('three processes on one day of one lake (file port)', () => {
  let dir: string;
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ingesting, ingesting the same files and compacting at once: every row exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-2p-'));
    const port = fileStorage(dir);
    await seedFiles(port, FILES, ROWS);
    const [ingested, again] = await Promise.all([
      runWorker('ingest-worker.ts', [JSON.stringify({ root: dir }), '1']),
      runWorker('ingest-worker.ts', [JSON.stringify({ root: dir }), '2']),
      runWorker('compact-worker.ts', [dir, '8']),
    ]);
    expect(ingested + again).toBe(FILES * ROWS);
    const lake = openLake(port, { orgs: ORGS });
    await lake.compact({ org: 'acme', targetBytes: 64 * 1024 });
    expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
    await lake.sweep({ graceMs: 0 });
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
    expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
  }, 300_000);
});
