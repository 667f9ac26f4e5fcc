import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexKey, openLake } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { type FaultyPort, faulty } from '../support/faulty.js';
import {
  DAY,
  indexedObjects,
  ORGS,
  range,
  requestIds,
  seedFiles,
  segmentObjects,
} from './compact-support.js';

const FILES = 4;
const ROWS = 10;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A lake with FILES raw files, the first `ingested` of them ingested (one small segment each). */
async function setup(ingested: number): Promise<{ port: StoragePort; keys: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-faults-'));
  dirs.push(dir);
  const port = fileStorage(join(dir, 'bucket'));
  const keys = await seedFiles(port, FILES, ROWS);
  const lake = openLake(port, { orgs: ORGS });
  for (const key of keys.slice(0, ingested)) await lake.ingest(key);
  return { port, keys };
}

type Step = (lake: ReturnType<typeof openLake>, keys: string[]) => Promise<unknown>;
const compactAll: Step = (lake) => lake.compact({ org: 'acme', targetBytes: 1 << 30 });
const ingestLast: Step = (lake, keys) => lake.ingest(keys.at(-1)!);

/** Operations a clean run of `step` makes. */
async function countOps(ingested: number, step: Step): Promise<number> {
  const { port, keys } = await setup(ingested);
  const wrapped = faulty(port);
  let ops = 0;
  wrapped.before = () => {
    ops++;
  };
  await step(openLake(wrapped, { orgs: ORGS }), keys);
  return ops;
}

/** After the fault: run the step again on a healthy port, sweep, and check every row is there once. */
async function recoverAndCheck(port: StoragePort, keys: string[], step: Step) {
  const lake = openLake(port, { orgs: ORGS });
  for (const key of keys) await lake.ingest(key); // whatever the fault interrupted is finished
  await step(lake, keys);
  await lake.sweep({ graceMs: 0 });
  expect(await requestIds(lake)).toEqual(range(FILES * ROWS));
  expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
}

async function faultAt(ingested: number, step: Step, at: number, crash: boolean) {
  const { port, keys } = await setup(ingested);
  const wrapped: FaultyPort = faulty(port);
  let ops = 0;
  wrapped.before = (op, key) => {
    ops++;
    if (ops === at || (crash && ops > at)) throw new Error(`injected: ${op} ${key} fails (op ${ops})`);
  };
  await expect(step(openLake(wrapped, { orgs: ORGS }), keys)).rejects.toThrow();
  await recoverAndCheck(port, keys, step);
}

describe('faults at every step lose nothing and never double-count', () => {
  for (const [name, ingested, step] of [
    ['ingest', FILES - 1, ingestLast],
    ['compaction', FILES, compactAll],
  ] as const) {
    it(`${name}: a failed write or read at each step, then a crash at each step`, async () => {
      const total = await countOps(ingested, step);
      expect(total).toBeGreaterThan(5);
      for (let at = 1; at <= total; at++) {
        await faultAt(ingested, step, at, false);
        await faultAt(ingested, step, at, true);
      }
    }, 600_000);
  }

  it('compaction losing its swap to a concurrent compaction deletes its own segments', async () => {
    const { port, keys } = await setup(FILES);
    const wrapped = faulty(port);
    let raced = false;
    wrapped.before = async (op, key) => {
      if (raced || op !== 'put' || key !== indexKey('acme', DAY)) return;
      raced = true; // another process compacts the same day just before this swap
      const other = await openLake(port, { orgs: ORGS }).compact({ org: 'acme', targetBytes: 1 << 30 });
      expect(other.segmentsWritten).toBe(1);
    };
    const mine = await openLake(wrapped, { orgs: ORGS }).compact({ org: 'acme', targetBytes: 1 << 30 });
    expect(mine).toMatchObject({ segmentsWritten: 0, groupsLost: 1 });
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
    await recoverAndCheck(port, keys, compactAll);
  }, 120_000);

  it('compaction racing an ingest into the same day keeps both', async () => {
    const { port, keys } = await setup(FILES - 1);
    const wrapped = faulty(port);
    let raced = false;
    wrapped.before = async (op, key) => {
      if (raced || op !== 'put' || key !== indexKey('acme', DAY)) return;
      raced = true;
      expect((await openLake(port, { orgs: ORGS }).ingest(keys.at(-1)!)).rows).toBe(ROWS);
    };
    const mine = await openLake(wrapped, { orgs: ORGS }).compact({ org: 'acme', targetBytes: 1 << 30 });
    expect(mine).toMatchObject({ segmentsWritten: 1, segmentsReplaced: FILES - 1 });
    await recoverAndCheck(port, keys, compactAll);
  }, 120_000);
});
