/**
 * Faults at every storage operation of ingest and compaction, for logs and for traces (one compaction
 * and sweep for both): a failed operation, and a crash from that operation on, then a healthy rerun and a
 * sweep: every row (every span) exactly once, no segment object left that no index lists.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexKey, type Lake, openLake } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { type FaultyPort, faulty } from '../support/faulty.js';
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

const FILES = 4;
const ROWS = 10;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** How one signal is seeded, ingested and read back. */
interface Signal {
  name: 'logs' | 'traces';
  /** Writes FILES raw files; returns their keys and what reading the whole day must give. */
  seed(port: StoragePort): Promise<{ keys: string[]; expected: unknown }>;
  ingest(lake: Lake, key: string): Promise<unknown>;
  read(lake: Lake): Promise<unknown>;
}

const LOGS: Signal = {
  name: 'logs',
  seed: async (port) => ({ keys: await seedFiles(port, FILES, ROWS), expected: range(FILES * ROWS) }),
  ingest: (lake, key) => lake.ingest(key),
  read: (lake) => requestIds(lake),
};

const TRACES: Signal = {
  name: 'traces',
  seed: async (port) => {
    const { keys, spans } = await seedTraceFiles(port, FILES, ROWS / 2);
    return { keys, expected: spans };
  },
  ingest: (lake, key) => lake.ingestTraces(key),
  read: (lake) => spanKeys(lake),
};

interface Setup {
  port: StoragePort;
  keys: string[];
  expected: unknown;
}

/** A lake with FILES raw files of `signal`, the first `ingested` of them ingested (one small segment each). */
async function setup(signal: Signal, ingested: number): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-faults-'));
  dirs.push(dir);
  const port = fileStorage(join(dir, 'bucket'));
  const { keys, expected } = await signal.seed(port);
  const lake = openLake(port, { orgs: ORGS });
  for (const key of keys.slice(0, ingested)) await signal.ingest(lake, key);
  return { port, keys, expected };
}

type Step = (lake: Lake, keys: string[], signal: Signal) => Promise<unknown>;
const compactAll: Step = (lake, _keys, signal) =>
  lake.compact({ org: 'acme', targetBytes: 1 << 30, signals: [signal.name] });
const ingestLast: Step = (lake, keys, signal) => signal.ingest(lake, keys.at(-1)!);

/** Operations a clean run of `step` makes. */
async function countOps(signal: Signal, ingested: number, step: Step): Promise<number> {
  const { port, keys } = await setup(signal, ingested);
  const wrapped = faulty(port);
  let ops = 0;
  wrapped.before = () => {
    ops++;
  };
  await step(openLake(wrapped, { orgs: ORGS }), keys, signal);
  return ops;
}

/** After the fault: run the step again on a healthy port, sweep, and check every row is there once. */
async function recoverAndCheck(signal: Signal, { port, keys, expected }: Setup, step: Step) {
  const lake = openLake(port, { orgs: ORGS });
  for (const key of keys) await signal.ingest(lake, key); // whatever the fault interrupted is finished
  await step(lake, keys, signal);
  await lake.sweep({ graceMs: 0 });
  expect(await signal.read(lake)).toEqual(expected);
  expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
}

async function faultAt(signal: Signal, ingested: number, step: Step, at: number, crash: boolean) {
  const lakeSetup = await setup(signal, ingested);
  const wrapped: FaultyPort = faulty(lakeSetup.port);
  let ops = 0;
  wrapped.before = (op, key) => {
    ops++;
    if (ops === at || (crash && ops > at)) throw new Error(`injected: ${op} ${key} fails (op ${ops})`);
  };
  await expect(step(openLake(wrapped, { orgs: ORGS }), lakeSetup.keys, signal)).rejects.toThrow();
  await recoverAndCheck(signal, lakeSetup, step);
}

for (const signal of [LOGS, TRACES]) {
  describe(`${signal.name}: faults at every step lose nothing and never double-count`, () => {
    for (const [name, ingested, step] of [
      ['ingest', FILES - 1, ingestLast],
      ['compaction', FILES, compactAll],
    ] as const) {
      it(`${name}: a failed write or read at each step, then a crash at each step`, async () => {
        const total = await countOps(signal, ingested, step);
        expect(total).toBeGreaterThanOrEqual(5); // a trace ingest: head, get, put table, read and swap the index
        for (let at = 1; at <= total; at++) {
          await faultAt(signal, ingested, step, at, false);
          await faultAt(signal, ingested, step, at, true);
        }
      }, 600_000);
    }

    it('compaction losing its swap to a concurrent compaction deletes its own segments', async () => {
      const lakeSetup = await setup(signal, FILES);
      const { port, keys } = lakeSetup;
      const wrapped = faulty(port);
      let raced = false;
      wrapped.before = async (op, key) => {
        if (raced || op !== 'put' || key !== indexKey('acme', DAY, signal.name)) return;
        raced = true; // another process compacts the same day just before this swap
        const other = await compactAll(openLake(port, { orgs: ORGS }), keys, signal);
        expect(other).toMatchObject({ segmentsWritten: 1 });
      };
      const mine = await compactAll(openLake(wrapped, { orgs: ORGS }), keys, signal);
      expect(mine).toMatchObject({ segmentsWritten: 0, groupsLost: 1 });
      expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
      await recoverAndCheck(signal, lakeSetup, compactAll);
    }, 120_000);

    it('compaction racing an ingest into the same day keeps both', async () => {
      const lakeSetup = await setup(signal, FILES - 1);
      const { port, keys } = lakeSetup;
      const wrapped = faulty(port);
      let raced = false;
      wrapped.before = async (op, key) => {
        if (raced || op !== 'put' || key !== indexKey('acme', DAY, signal.name)) return;
        raced = true;
        await signal.ingest(openLake(port, { orgs: ORGS }), keys.at(-1)!);
      };
      const mine = await compactAll(openLake(wrapped, { orgs: ORGS }), keys, signal);
      expect(mine).toMatchObject({ segmentsWritten: 1, segmentsReplaced: FILES - 1 });
      expect(await signal.read(openLake(port, { orgs: ORGS }))).toEqual(lakeSetup.expected);
      await recoverAndCheck(signal, lakeSetup, compactAll);
    }, 120_000);
  });
}
