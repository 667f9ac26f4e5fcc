/**
 * mapLimit, the bounded-concurrency loop of bucketkit/db (imports, migrations, partition syncs): when
 * one item fails, no further item starts and the call settles only after the items in flight have, so
 * nothing keeps writing after a migration has reported its error.
 */
import { expect, it } from 'vitest';
import { mapLimit } from '../../src/db/retry.js';

it('after a failure no item starts, and it rejects once those in flight are done', async () => {
  const started: number[] = [];
  let running = 0;
  let runningAtRejection = -1;
  const releases: (() => void)[] = [];
  const call = mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
    started.push(item);
    running++;
    try {
      if (item === 0) throw new Error('item 0 is corrupt');
      await new Promise<void>((resolve) => releases.push(resolve));
    } finally {
      running--;
    }
  });
  const settled = call.catch((error: unknown) => {
    runningAtRejection = running;
    return error;
  });
  // let the failure happen, then let the two items in flight finish
  await new Promise((resolve) => setImmediate(resolve));
  for (const release of releases.splice(0)) release();
  await new Promise((resolve) => setImmediate(resolve));
  for (const release of releases.splice(0)) release();
  expect(await settled).toMatchObject({ message: 'item 0 is corrupt' });
  expect(runningAtRejection).toBe(0);
  expect(started).toEqual([0, 1, 2]);
});

it('keeps the input order of the results', async () => {
  const out = await mapLimit([30, 10, 20], 2, async (ms) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms * 2;
  });
  expect(out).toEqual([60, 20, 40]);
});
