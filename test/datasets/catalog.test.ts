import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aggregate,
  datasets,
  gc,
  get,
  tarBytes,
  uploadDatarange,
  uploadTarStream,
} from '../../src/datasets/index.js';
import { BucketkitError, bkError } from '../../src/errors.js';
import { fileStorage, memoryStorage, type StoragePort, streamOf } from '../../src/storage/index.js';
import { datasetSuite, keysOf, points } from './dataset-suite.js';

describe('datasets on memoryStorage', () => {
  let port: StoragePort;
  beforeEach(() => {
    port = memoryStorage();
  });
  datasetSuite(() => port);

  it('refuses to write through ports without conditional writes (Unsupported), and reads through them', async () => {
    const base = memoryStorage();
    const unsafe: StoragePort = Object.assign(Object.create(base) as StoragePort, {
      capabilities: async () => ({ conditionalWrites: false, multipart: false, presign: false }),
    });
    const catalog = datasets(unsafe);
    for (const attempt of [
      () => catalog.create('x'),
      () => catalog.delete('x'),
      () => uploadDatarange(catalog.open('x'), points(1, 1)),
      () =>
        uploadTarStream(
          catalog.open('x'),
          streamOf(tarBytes([{ name: '00000000000000000001.json', body: new Uint8Array(2) }])),
        ),
      () => aggregate(catalog.open('x'), 1, 2),
      () => gc(catalog.open('x')),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(BucketkitError.is(err, 'Unsupported'), String(err)).toBe(true);
    }
    expect(await base.list({ prefix: '' })[Symbol.asyncIterator]().next()).toMatchObject({ done: true });
    // a dataset written through a port that enforces them reads through one that does not
    const ds = await datasets(base).create('x');
    await uploadDatarange(ds, points(1, 3));
    expect((await catalog.list()).map((d) => [d.name, d.datapoints])).toEqual([['x', 3n]]);
    expect(await get(catalog.open('x'), 2)).toEqual(await get(ds, 2));
  });
});

/** A port whose `n`-th manifest write first lets `meanwhile` run against the real port. */
function racing(base: StoragePort, n: number, meanwhile: () => Promise<unknown>) {
  let writes = 0;
  const stats = { preconditionFailures: 0 };
  const port: StoragePort = Object.assign(Object.create(base) as StoragePort, {
    put: async (
      key: string,
      body: Parameters<StoragePort['put']>[1],
      options?: Parameters<StoragePort['put']>[2],
    ) => {
      if (key.endsWith('/manifest.json') && ++writes === n) await meanwhile();
      return base.put(key, body, options).catch((err: unknown) => {
        if (BucketkitError.is(err, 'PreconditionFailed')) stats.preconditionFailures++;
        throw err;
      });
    },
  });
  return { port, stats };
}

describe('manifest compare-and-swap', () => {
  it('an in-flight upload reserves its range: an overlapping rival is refused before writing', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    let rival: unknown;
    const { port } = racing(base, 2, async () => {
      rival = await uploadDatarange(datasets(base).open('ds'), points(5, 15)).catch((e: unknown) => e);
    });
    const mine = await uploadDatarange(datasets(port).open('ds'), points(1, 10));
    expect(BucketkitError.is(rival, 'InvalidArgument')).toBe(true);
    expect((rival as BucketkitError).details.overlaps).toMatchObject({
      first: '1',
      last: '10',
      pending: true,
    });
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges).toEqual([mine]);
    expect(manifest.pending).toBeUndefined();
  });

  it('a commit whose reservation expired loses to an overlapping one, fails and removes its objects', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    // manifest writes: 1 = our reservation, 2 = our commit; the rival commits 5..15 just before it
    const { port, stats } = racing(base, 2, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await uploadDatarange(datasets(base).open('ds'), points(5, 15));
    });
    const err = await uploadDatarange(datasets(port).open('ds'), points(1, 10), { ttlMs: 1 }).catch(
      (e: unknown) => e,
    );
    expect(BucketkitError.is(err, 'InvalidArgument')).toBe(true);
    expect((err as BucketkitError).details.overlaps).toMatchObject({ first: '5', last: '15' });
    expect(stats.preconditionFailures).toBe(1);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges.map((r) => [r.first, r.last])).toEqual([[5n, 15n]]);
    expect(manifest.pending).toBeUndefined();
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toEqual([
      manifest.dataranges[0]!.key.replace(/\.tar$/, '.index'),
      manifest.dataranges[0]!.key,
    ]);
  });

  it('a commit that loses the race to a disjoint one retries and both are kept', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const { port, stats } = racing(base, 2, () => uploadDatarange(datasets(base).open('ds'), points(11, 20)));
    const mine = await uploadDatarange(datasets(port).open('ds'), points(1, 10));
    expect(stats.preconditionFailures).toBe(1);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges.map((r) => [r.first, r.last, r.counter])).toEqual([
      [1n, 10n, mine.counter],
      [11n, 20n, 2],
    ]);
    expect(manifest.next).toBe(3);
  });

  it('an upload racing the deletion of its dataset fails with NotFound and cleans up', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const { port } = racing(base, 2, () => datasets(base).delete('ds'));
    const err = await uploadDatarange(datasets(port).open('ds'), points(1, 3)).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'NotFound')).toBe(true);
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toEqual([]);
  });

  it('gives up with a retryable PreconditionFailed after maxAttempts lost races', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    let attempts = 0;
    const port: StoragePort = Object.assign(Object.create(base) as StoragePort, {
      put: async (
        key: string,
        body: Parameters<StoragePort['put']>[1],
        options?: Parameters<StoragePort['put']>[2],
      ) => {
        if (options?.ifMatch) {
          attempts++;
          throw bkError('PreconditionFailed', 'always lose', { details: { key } });
        }
        return base.put(key, body, options);
      },
    });
    const err = await datasets(port, { cas: { maxAttempts: 3, maxDelayMs: 1 } })
      .delete('ds')
      .catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'PreconditionFailed')).toBe(true);
    expect((err as BucketkitError).details).toMatchObject({ retryable: true, attempts: 3 });
    expect(attempts).toBe(3);
    expect(await datasets(base).list()).toHaveLength(1);
  });
});

describe('datasets on fileStorage', () => {
  let dir: string;
  let port: StoragePort;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-datasets-'));
    port = fileStorage(dir);
  });
  afterEach(async () => {
    await port.close?.();
    await rm(dir, { recursive: true, force: true });
  });
  datasetSuite(() => port);
});
