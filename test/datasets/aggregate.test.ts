import { describe, expect, it, vi } from 'vitest';
import {
  aggregate,
  datasets,
  gc,
  get,
  optimize,
  planOptimize,
  readTar,
  uploadDatarange,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/index.js';
import { expectClean, expectWhole, faultSuite, sized } from './aggregate-suite.js';
import { type CrashablePort, crashable } from './crash-port.js';
import { keysOf } from './dataset-suite.js';

const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => {
      if (!BucketkitError.is(e)) throw e;
      return e;
    },
  );

describe('aggregate (streaming through the client: memoryStorage)', () => {
  let port: CrashablePort = crashable(memoryStorage());
  const fresh = () => {
    port = crashable(memoryStorage());
    return port;
  };

  it('merges adjacent dataranges into one valid TAR with a shifted index, then deletes the sources', async () => {
    const ds = await datasets(fresh()).create('agg');
    const a = await uploadDatarange(ds, sized(1, 4, 700));
    const b = await uploadDatarange(ds, sized(5, 5, 10));
    const c = await uploadDatarange(ds, sized(6, 9, 3000));
    const result = await aggregate(ds, 1, 9);
    expect(result.sources.map((r) => r.key)).toEqual([a.key, b.key, c.key]);
    expect(result.datarange).toMatchObject({ first: 1n, last: 9n, counter: 4 });
    expect(result.copiedBytes).toBe(0);
    expect(await keysOf(port, 'datas3t/agg/dataranges/')).toEqual([
      result.datarange.key.replace(/\.tar$/, '.index'),
      result.datarange.key,
    ]);
    const tar = await (await port.get(result.datarange.key)).bytes();
    expect(tar.length).toBe(result.datarange.size);
    // one end-of-archive only, every entry in order
    expect(readTar(tar).map((e) => e.name)).toEqual(
      Array.from({ length: 9 }, (_, i) => `${String(i + 1).padStart(20, '0')}.bin`),
    );
    const reader = datasets(port).open('agg');
    expect(new TextDecoder().decode((await get(reader, 7)).subarray(0, 3))).toBe('#7#');
    expect((await get(reader, 5)).length).toBe(10);
    expect((await get(reader, 9)).length).toBe(3000 + (9 % 5) * 17);
    expect((await reader.manifest()).pending).toBeUndefined();
  });

  it('refuses gaps, bounds inside a datarange and a single datarange, saying what to do', async () => {
    const ds = await datasets(fresh()).create('bad');
    await uploadDatarange(ds, sized(1, 3, 10));
    await uploadDatarange(ds, sized(4, 6, 10));
    await uploadDatarange(ds, sized(9, 9, 10));
    const gap = await fail(aggregate(ds, 1, 9));
    expect(gap.code).toBe('InvalidArgument');
    expect(gap.details.gap).toEqual({ first: '7', last: '8' });
    const cut = await fail(aggregate(ds, 2, 6));
    expect(cut.details.boundaries).toEqual(['1', '6']);
    expect((await fail(aggregate(ds, 4, 6))).message).toMatch(/already one datarange/);
    expect((await fail(aggregate(ds, 100, 200))).code).toBe('InvalidArgument');
    expect(await ds.manifest({ fresh: true })).toMatchObject({ next: 4 });
  });

  it('two aggregations of the same dataranges at once: one wins, the other is refused, nothing leaks', async () => {
    const ds = await datasets(fresh()).create('twice');
    for (let i = 0; i < 4; i++) await uploadDatarange(ds, sized(1 + i * 5, 5 + i * 5, 200));
    const results = await Promise.allSettled([
      aggregate(datasets(port).open('twice'), 1, 20),
      aggregate(datasets(port).open('twice'), 1, 20),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(BucketkitError.is(lost.reason)).toBe(true);
    await expectClean(port, ds);
    await expectWhole(ds, 1, 20, 200);
  });

  it('an upload abandoned mid-way holds its range until its reservation expires; gc() removes its object', async () => {
    const base = memoryStorage();
    const ds = await datasets(base).create('exp');
    let crash = true;
    let dead = false;
    // The process dies as it writes the index: nothing after that reaches storage.
    const dying = Object.assign(Object.create(base), {
      put: (key: string, body: never, options: never) => {
        if (crash && key.endsWith('.index')) dead = true;
        if (dead && crash) throw new Error('process died');
        return base.put(key, body, options);
      },
      delete: async () => {
        if (crash) throw new Error('process died');
      },
    });
    const err = await uploadDatarange(datasets(dying).open('exp'), sized(1, 5, 50), { ttlMs: 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/process died/);
    crash = false;
    expect((await keysOf(base, 'datas3t/exp/dataranges/')).length).toBe(1);
    const held = await fail(uploadDatarange(ds, sized(3, 4, 50)));
    expect(held.details.overlaps).toMatchObject({ first: '1', last: '5', pending: true });
    // the reservation's minute passes (the clock alone moves, so a loaded machine cannot expire it early)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    const [mine, { deleted, expired }] = await (async () => {
      const uploaded = await uploadDatarange(ds, sized(3, 4, 50));
      return [uploaded, await gc(ds, { graceMs: 60_000 })] as const;
    })().finally(() => vi.useRealTimers());
    expect(expired.map((p) => [p.first, p.last])).toEqual([[1n, 5n]]);
    expect(deleted).toHaveLength(1);
    expect((await ds.manifest({ fresh: true })).dataranges).toEqual([mine]);
    expect(await keysOf(base, 'datas3t/exp/dataranges/')).toEqual([
      mine.key.replace(/\.tar$/, '.index'),
      mine.key,
    ]);
  });

  it('an aborted aggregation rejects with Aborted and cleans up after itself', async () => {
    const ds = await datasets(fresh()).create('abort');
    await uploadDatarange(ds, sized(1, 2, 10));
    await uploadDatarange(ds, sized(3, 4, 10));
    const controller = new AbortController();
    const err = await fail(
      aggregate(ds, 1, 4, {
        signal: controller.signal,
        onStep: (s) => {
          if (s.step === 'uploaded') controller.abort();
        },
      }),
    );
    expect(err.code).toBe('Aborted');
    await expectClean(port, ds);
    expect((await ds.manifest({ fresh: true })).dataranges).toHaveLength(2);
  });

  it('gc() with no grace leaves an upload in flight alone', async () => {
    const base = memoryStorage();
    const ds = await datasets(base).create('busy');
    let release: () => void = () => {};
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written: () => void = () => {};
    const atIndex = new Promise<void>((resolve) => {
      written = resolve;
    });
    // The upload stops after writing its .tar, before its index and commit.
    const slow = Object.assign(Object.create(base), {
      put: async (key: string, body: never, options: never) => {
        if (key.endsWith('.index')) {
          written();
          await paused;
        }
        return base.put(key, body, options);
      },
    });
    const upload = uploadDatarange(datasets(slow).open('busy'), sized(1, 3, 10));
    await atIndex;
    const swept = await gc(ds, { graceMs: 0 });
    expect(swept).toMatchObject({ deleted: [], expired: [] });
    release();
    const committed = await upload;
    await expectWhole(ds, 1, 3, 10);
    expect(await keysOf(base, 'datas3t/busy/dataranges/')).toContain(committed.key);
  });

  it('gc() keeps young unreferenced objects (grace) and foreign keys', async () => {
    const base = memoryStorage();
    const ds = await datasets(base).create('g');
    await uploadDatarange(ds, sized(1, 2, 10));
    await base.put('datas3t/g/dataranges/notes.txt', 'mine');
    await base.put('datas3t/g/dataranges/00000000000000000009-00000000000000000009-000000000000.tar', 'x');
    expect((await gc(ds)).deleted).toEqual([]);
    expect((await gc(ds, { graceMs: 0 })).deleted).toEqual([
      'datas3t/g/dataranges/00000000000000000009-00000000000000000009-000000000000.tar',
    ]);
    expect(await keysOf(base, 'datas3t/g/dataranges/notes')).toHaveLength(1);
  });

  it('optimize() plans by size tiers (dry run), then aggregates', async () => {
    const ds = await datasets(fresh()).create('opt');
    for (let i = 0; i < 6; i++) await uploadDatarange(ds, sized(1 + i * 2, 2 + i * 2, 100));
    await uploadDatarange(ds, sized(13, 14, 4000)); // too large for the small tier
    await uploadDatarange(ds, sized(20, 21, 100)); // not adjacent
    // 2-datapoint ranges of ~100 B are 3 KiB TARs; the 4 KB pair is 10 KiB
    const tiers = [
      { name: 'small', below: 4000, target: 7000 },
      { name: 'medium', below: 20_000, target: 100_000 },
    ];
    const { plan, results } = await optimize(ds, { tiers, dryRun: true });
    expect(results).toEqual([]);
    expect(plan.map((p) => [p.tier, p.first, p.last, p.dataranges])).toEqual([
      ['small', 1n, 4n, 2],
      ['small', 5n, 8n, 2],
      ['small', 9n, 12n, 2],
    ]);
    const before = await keysOf(port);
    expect(await keysOf(port)).toEqual(before);
    const run = await optimize(ds, { tiers });
    expect(run.results).toHaveLength(3);
    const next = planOptimize(await ds.manifest({ fresh: true }), tiers);
    expect(next.map((p) => [p.tier, p.first, p.last])).toEqual([['medium', 1n, 14n]]);
    await optimize(ds, { tiers });
    expect((await ds.manifest({ fresh: true })).dataranges.map((r) => [r.first, r.last])).toEqual([
      [1n, 14n],
      [20n, 21n],
    ]);
    for (const n of [1, 12, 13, 14]) {
      const marker = `#${n}#`;
      expect(new TextDecoder().decode((await get(ds, n)).subarray(0, marker.length))).toBe(marker);
    }
    await expectClean(port, ds);
  });

  faultSuite(() => port, 300);
});
