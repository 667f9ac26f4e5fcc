/**
 * What handles cache. Writers start their manifest compare-and-swap from the manifest their handle
 * last saw: no read when it is current, and a stale one is caught by the CAS (or by re-checking a
 * refusal) instead. Readers look datapoints up in the cached manifest by binary search.
 */
import { describe, expect, it } from 'vitest';
import { datasets, get, uploadDatarange } from '../../src/datasets/index.js';
import { release, reserve } from '../../src/datasets/reserve.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { keysOf, points } from './dataset-suite.js';

/** Counts manifest reads and writes, and writes that lost their precondition. */
function counting(base: StoragePort) {
  const stats = { reads: 0, writes: 0, lost: 0 };
  const isManifest = (key: string) => key.endsWith('/manifest.json');
  const port: StoragePort = Object.assign(Object.create(base) as StoragePort, {
    get: (key: string, options?: Parameters<StoragePort['get']>[1]) => {
      if (isManifest(key)) stats.reads++;
      return base.get(key, options);
    },
    put: (
      key: string,
      body: Parameters<StoragePort['put']>[1],
      options?: Parameters<StoragePort['put']>[2],
    ) => {
      if (isManifest(key)) stats.writes++;
      return base.put(key, body, options).catch((err: unknown) => {
        if (BucketkitError.is(err, 'PreconditionFailed')) stats.lost++;
        throw err;
      });
    },
  });
  return { port, stats };
}

describe('manifest CAS from the handle cache', () => {
  it('an upload through a handle with a current manifest writes it twice and never reads it', async () => {
    const { port, stats } = counting(memoryStorage());
    const ds = await datasets(port).create('ds');
    await uploadDatarange(ds, points(1, 10));
    Object.assign(stats, { reads: 0, writes: 0 });
    const second = await uploadDatarange(ds, points(11, 20));
    expect(stats).toEqual({ reads: 0, writes: 2, lost: 0 });
    expect((await datasets(port).open('ds').manifest()).dataranges.at(-1)).toEqual(second);
  });

  it('a stale handle loses one write, reads once and commits next to what others committed', async () => {
    const base = memoryStorage();
    const { port, stats } = counting(base);
    const stale = await datasets(port).create('ds');
    const other = await uploadDatarange(datasets(base).open('ds'), points(1, 10));
    Object.assign(stats, { reads: 0, writes: 0 });
    const mine = await uploadDatarange(stale, points(11, 20));
    expect(stats).toEqual({ reads: 1, writes: 3, lost: 1 });
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges).toEqual([other, mine]);
    expect(mine.counter).toBe(other.counter + 1);
    expect(manifest.pending).toBeUndefined();
  });

  it('a stale handle is still refused by what others committed, and leaves nothing behind', async () => {
    const base = memoryStorage();
    const stale = await datasets(base).create('ds');
    await uploadDatarange(datasets(base).open('ds'), points(5, 15));
    const err = await uploadDatarange(stale, points(1, 10)).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'InvalidArgument')).toBe(true);
    expect((err as BucketkitError).details.overlaps).toMatchObject({ first: '5', last: '15' });
    expect((await keysOf(base, 'datas3t/ds/dataranges/')).length).toBe(2);
    expect((await datasets(base).open('ds').manifest()).pending).toBeUndefined();
  });

  it('a refusal made on a stale manifest is re-checked on a fresh one', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const rival = datasets(base).open('ds');
    const counter = await reserve(rival, { first: 1n, last: 10n, kind: 'upload' });
    const stale = datasets(base).open('ds');
    expect((await stale.manifest()).pending).toHaveLength(1);
    await release(rival, counter); // the rival's upload failed: 1..10 is free again
    const mine = await uploadDatarange(stale, points(1, 10));
    expect((await datasets(base).open('ds').manifest()).dataranges).toEqual([mine]);
  });

  it('a handle that missed the deletion of its dataset gets NotFound and writes nothing', async () => {
    const base = memoryStorage();
    const stale = await datasets(base).create('ds');
    await datasets(base).delete('ds');
    const err = await uploadDatarange(stale, points(1, 3)).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'NotFound')).toBe(true);
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toEqual([]);
  });
});

describe('get across many dataranges', () => {
  it('finds every stored datapoint and reports every gap, wherever it falls', async () => {
    const ds = await datasets(memoryStorage()).create('many');
    const stored = new Set<number>();
    // 1..3, 5..8, 9, 12..15, ... : adjacent ranges, single-point ranges and gaps of 1 to 3
    for (let first = 1, i = 0; i < 12; i++) {
      const last = first + (i % 4);
      await uploadDatarange(
        ds,
        Array.from({ length: last - first + 1 }, (_, k) => ({
          n: first + k,
          ext: 'txt',
          body: `#${first + k}`,
        })),
      );
      for (let n = first; n <= last; n++) stored.add(n);
      first = last + 1 + (i % 3);
    }
    const highest = Math.max(...stored);
    for (let n = 0; n <= highest + 1; n++) {
      const got = await get(ds, n).then(
        (body) => new TextDecoder().decode(body),
        (err: unknown) => (BucketkitError.is(err, 'NotFound') ? undefined : err),
      );
      expect(got, `datapoint ${n}`).toBe(stored.has(n) ? `#${n}` : undefined);
    }
  });
});
