import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/index.js';
import { fileStorage, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw } from '../support/servers.js';
import { indexedObjects, ORGS, range, requestIds, seedFiles, segmentObjects } from './compact-support.js';
import type { PortSpec } from './fixtures/port-spec.js';

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

/** Two ingesting processes and a compacting one on one day; every row exactly once, no orphan left. */
async function threeProcesses(port: StoragePort, spec: PortSpec): Promise<void> {
  await seedFiles(port, FILES, ROWS);
  const [ingested, again] = await Promise.all([
    runWorker('ingest-worker.ts', [JSON.stringify(spec), '1']),
    runWorker('ingest-worker.ts', [JSON.stringify(spec), '2']),
    runWorker('compact-worker.ts', [JSON.stringify(spec), '8']),
  ]);
  expect(ingested + again).toBe(FILES * ROWS);
  const lake = openLake(port, { orgs: ORGS });
  await lake.compact({ org: 'acme', targetBytes: 64 * 1024 });
  expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
  await lake.sweep({ graceMs: 0 });
  expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
  expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
}

describe('three processes on one day of one lake', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('file port: ingesting, ingesting the same files and compacting at once: every row exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-2p-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await threeProcesses(fileStorage(dir), { root: dir });
  }, 300_000);

  it('Ceph RGW: ingesting, ingesting the same files and compacting at once: every row exactly once', async () => {
    const server: S3Server = await startCephRgw('lake-compact');
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
    await threeProcesses(port, spec);
  }, 600_000);
});
