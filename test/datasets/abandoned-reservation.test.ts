/**
 * Issue 14, finding 5: a killed `aggregate` blocked the next one for an hour (its reservation held
 * to its deadline and gc() did not release a dead writer's). Writers now renew a lease (heartbeat);
 * a reservation whose writer stopped renewing it no longer holds, and gc() drops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AggregateResult,
  aggregate,
  type Dataset,
  datasets,
  gc,
  range,
  uploadDatarange,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import { fileStorage, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { datapoint, isDatapoint } from '../torture/support/datasets-points.js';
import { startChild } from '../torture/support/file-children.js';
import { sleep } from '../torture/support/file-protocol.js';
import { keysOf } from './dataset-suite.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function threeRanges(port: StoragePort, name: string): Promise<Dataset> {
  const ds = await datasets(port).create(name);
  for (const first of [1, 4, 7]) {
    await uploadDatarange(ds, [datapoint(first), datapoint(first + 1), datapoint(first + 2)]);
  }
  return ds;
}

async function expectWhole(ds: Dataset, last: number) {
  let n = 1;
  for await (const p of range(ds, 1, last)) {
    expect(p.n).toBe(BigInt(n));
    expect(isDatapoint(n, p.body)).toBe(true);
    n++;
  }
  expect(n).toBe(last + 1);
}

/** The dataset's objects are exactly those its manifest names. */
async function expectNoOrphans(port: StoragePort, ds: Dataset) {
  const manifest = await ds.manifest({ fresh: true });
  const named = manifest.dataranges.flatMap((r) => [r.key, r.key.replace(/\.tar$/, '.index')]).sort();
  expect(await keysOf(port, `datas3t/${ds.name}/dataranges/`)).toEqual(named);
}

const isHeld = (err: unknown) =>
  BucketkitError.is(err, 'InvalidArgument') &&
  (err.details.overlaps as { pending?: boolean }).pending === true;

describe('abandoned reservations', () => {
  it('an aggregation SIGKILLed mid-way frees its range one lease later, and gc() drops its reservation', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bk-abandoned-'));
    roots.push(root);
    const port = fileStorage(root);
    const ds = await threeRanges(port, 'agg');
    // long enough that the refusal right after the kill is made within it on a loaded machine
    const leaseMs = 4000;
    const child = await startChild('datasets-child.ts', {
      root,
      name: 'agg',
      mode: 'aggregate',
      from: 1,
      to: 9,
      leaseMs,
      pauseAt: 'part',
    });
    await child.waitFor((m) => m.t === 'paused');
    await child.kill();
    const killed = Date.now();
    // while the lease runs the range is still held (the writer might only be slow)
    expect(isHeld(await aggregate(ds, 1, 9).catch((e: unknown) => e))).toBe(true);
    let done: AggregateResult | undefined;
    while (!done && Date.now() - killed < leaseMs + 20_000) {
      done = await aggregate(ds, 1, 9).catch(async (err: unknown) => {
        if (!isHeld(err)) throw err;
        await sleep(100);
        return undefined;
      });
    }
    // before the fix: refused until the one-hour deadline
    expect(done?.sources).toHaveLength(3);
    const { expired } = await gc(ds, { graceMs: 60_000 });
    expect(expired.map((p) => [p.kind, p.first, p.last])).toEqual([['aggregate', 1n, 9n]]);
    expect((await ds.manifest({ fresh: true })).pending).toBeUndefined();
    await expectNoOrphans(port, ds);
    await expectWhole(ds, 9);
  });

  it('a live aggregation renews its lease: slower than the lease, it keeps its range and commits', async () => {
    const port = memoryStorage();
    const ds = await threeRanges(port, 'slow');
    // beats every 500 ms: a stall of the event loop under 1 s keeps the lease
    const work = aggregate(ds, 1, 9, {
      leaseMs: 1500,
      onStep: async (s) => {
        if (s.step === 'reserved') await sleep(4000);
      },
    });
    await sleep(2500);
    const rival = datasets(port).open('slow');
    expect(isHeld(await aggregate(rival, 1, 9).catch((e: unknown) => e))).toBe(true);
    expect((await gc(rival, { graceMs: 0 })).expired).toEqual([]);
    expect((await work).sources).toHaveLength(3);
    await expectNoOrphans(port, ds);
    await expectWhole(ds, 9);
  });

  it('a stalled writer whose reservation gc() released cannot switch afterwards (its objects may be gone)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bk-stalled-'));
    roots.push(root);
    const port = fileStorage(root);
    const ds = await threeRanges(port, 'stall');
    const leaseMs = 600;
    const child = await startChild('datasets-child.ts', {
      root,
      name: 'stall',
      mode: 'aggregate',
      from: 1,
      to: 9,
      leaseMs,
      stopAt: 'uploaded',
    });
    await child.waitFor((m) => m.t === 'stopping');
    await sleep(leaseMs + 400);
    const { expired, deleted } = await gc(ds, { graceMs: 60_000 });
    expect(expired).toHaveLength(1);
    expect(deleted).toHaveLength(2); // the stalled writer's .tar and .index
    child.proc.kill('SIGCONT');
    const outcome = await child.waitFor((m) => m.t === 'done' || m.t === 'failed');
    expect(outcome).toMatchObject({ t: 'failed', code: 'PreconditionFailed' });
    await child.exited;
    expect((await ds.manifest({ fresh: true })).dataranges).toHaveLength(3);
    await expectNoOrphans(port, ds);
    await expectWhole(ds, 9);
  });
});
