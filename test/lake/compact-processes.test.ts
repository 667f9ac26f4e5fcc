import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/index.js';
import { readTraceDayIndex } from '../../src/lake/traces/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import {
  DAY,
  indexedObjects,
  ORGS,
  range,
  requestIds,
  seedFiles,
  seedTraceFiles,
  segmentObjects,
  spanKeys,
} from './compact-support.js';
import type { PortSpec } from './fixtures/port-spec.js';
import { cephLake, runWorker } from './processes.js';

const FILES = 60;
const ROWS = 10;

const TRACE_FILES = 30;
const TRACES = 5;

/**
 * Two ingesting processes and a compacting one on one day of logs and traces; every row and every span
 * exactly once, no orphan left.
 */
async function threeProcesses(port: StoragePort, spec: PortSpec): Promise<void> {
  await seedFiles(port, FILES, ROWS);
  const { spans } = await seedTraceFiles(port, TRACE_FILES, TRACES);
  const [ingested, again] = await Promise.all([
    runWorker('ingest-worker.ts', [JSON.stringify(spec), '1']),
    runWorker('ingest-worker.ts', [JSON.stringify(spec), '2']),
    runWorker('compact-worker.ts', [JSON.stringify(spec), '8']),
  ]);
  expect(ingested + again).toBe(FILES * ROWS + spans.length);
  const lake = openLake(port, { orgs: ORGS });
  await lake.compact({ org: 'acme', targetBytes: 64 * 1024 });
  expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
  expect(await spanKeys(lake)).toEqual(spans);
  const { index } = await readTraceDayIndex(port, 'acme', DAY);
  expect(index.segments.filter((s) => s.published).length).toBeLessThan(TRACE_FILES / 4);
  await lake.sweep({ graceMs: 0 });
  expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
  expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
  expect(await spanKeys(lake)).toEqual(spans);
}

describe('three processes on one day of one lake', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('file port: ingesting, ingesting the same files and compacting at once: every row and span exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-2p-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await threeProcesses(fileStorage(dir), { root: dir });
  }, 300_000);

  it('Ceph RGW: ingesting, ingesting the same files and compacting at once: every row and span exactly once', async () => {
    const { port, spec } = await cephLake('lake-compact', cleanups);
    await threeProcesses(port, spec);
  }, 600_000);
});
