/** The dataset catalog behaviour every conditional-write port must show, shared by the port tests. */
import { expect, it } from 'vitest';
import {
  coverage,
  type DatapointInput,
  datasets,
  formatDatapointName,
  get,
  range,
  readTar,
  tarBytes,
  uploadDatarange,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import type { StoragePort } from '../../src/storage/index.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Datapoints `first..last`, each body naming its key. */
export function points(first: number, last: number, ext = 'json'): DatapointInput[] {
  const out: DatapointInput[] = [];
  for (let n = first; n <= last; n++)
    out.push({ n, ext, body: `{"n":${n}}`.padEnd(100 + (n % 7) * 300, ' ') });
  return out;
}

/** Every key under `prefix`. */
export async function keysOf(port: StoragePort, prefix = 'datas3t/'): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of port.list({ prefix })) if (entry.type === 'object') keys.push(entry.key);
  return keys.sort();
}

async function rejection(promise: Promise<unknown>): Promise<BucketkitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!BucketkitError.is(err)) throw new Error(`expected a BucketkitError, got ${String(err)}`);
  return err;
}

/**
 * Eight uploads of pairwise overlapping dataranges at once: exactly one commits, the rest clean up.
 * With `warm`, every handle has read the manifest first, so all of them predict the same counter
 * and take the one-write-shorter path at once; with `sameRange` they all claim datapoints 1..10
 * (so all eight write the very same keys).
 */
export async function concurrentOverlap(
  port: StoragePort,
  name: string,
  { warm = false, sameRange = false } = {},
): Promise<void> {
  const catalog = datasets(port);
  await catalog.create(name);
  const handles = Array.from({ length: 8 }, () => catalog.open(name));
  if (warm) await Promise.all(handles.map((h) => h.manifest()));
  const results = await Promise.allSettled(
    handles.map((h, i) =>
      uploadDatarange(h, sameRange ? points(1, 10, `v${i}.json`) : points(1 + i, 10 + i)),
    ),
  );
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(won).toHaveLength(1);
  for (const r of lost) {
    expect(BucketkitError.is(r.reason, 'InvalidArgument'), String(r.reason)).toBe(true);
    expect((r.reason as BucketkitError).details.overlaps).toBeDefined();
  }
  const manifest = await catalog.open(name).manifest();
  expect(manifest.dataranges).toHaveLength(1);
  const winner = manifest.dataranges[0]!;
  const keys = await keysOf(port, `datas3t/${name}/dataranges/`);
  expect(keys).toEqual([winner.key.replace(/\.tar$/, '.index'), winner.key]);
  const body = await get(catalog.open(name), winner.first + 3n);
  expect(text(body)).toContain(`"n":${winner.first + 3n}`);
  if (sameRange) {
    // The archive under the winner's key is the winner's own, not a loser's written over it.
    const i = results.findIndex((r) => r.status === 'fulfilled');
    const entries = readTar(await (await port.get(winner.key)).bytes(), { all: true });
    expect(entries.map((e) => e.name)).toEqual(
      points(1, 10, `v${i}.json`).map((p) => formatDatapointName(p.n, p.ext)),
    );
  }
}

/** Registers the shared tests; `port()` gives the port of the current test. */
export function datasetSuite(port: () => StoragePort): void {
  it('creates, lists and deletes datasets; delete refuses while dataranges exist', async () => {
    const catalog = datasets(port());
    await catalog.create('alpha');
    await catalog.create('beta');
    expect((await rejection(catalog.create('alpha'))).code).toBe('PreconditionFailed');
    expect((await rejection(catalog.create('bad/name'))).code).toBe('InvalidArgument');
    await uploadDatarange(catalog.open('beta'), points(1, 3));
    expect(await catalog.list()).toEqual([
      { name: 'alpha', dataranges: 0, datapoints: 0n, bytes: 0 },
      expect.objectContaining({ name: 'beta', dataranges: 1, datapoints: 3n, first: 1n, last: 3n }),
    ]);
    const refused = await rejection(catalog.delete('beta'));
    expect(refused.code).toBe('PreconditionFailed');
    expect(refused.details.dataranges).toBe(1);
    await catalog.delete('alpha');
    expect((await rejection(catalog.delete('alpha'))).code).toBe('NotFound');
    expect((await catalog.list()).map((d) => d.name)).toEqual(['beta']);
    expect((await rejection(catalog.open('alpha').manifest())).code).toBe('NotFound');
    // deletion leaves a tombstone; the name can be created again
    const again = await catalog.create('alpha');
    expect((await again.manifest()).dataranges).toEqual([]);
  });

  it('round-trips datapoints from an iterable and from TAR bytes; get, range and coverage', async () => {
    const catalog = datasets(port());
    const ds = await catalog.create('frames');
    const a = await uploadDatarange(ds, points(1, 20));
    const tar = tarBytes(
      points(21, 30, 'json.zst').map((p) => ({
        name: `${String(p.n).padStart(20, '0')}.json.zst`,
        body: new TextEncoder().encode(String(p.body)),
      })),
    );
    const b = await uploadDatarange(ds, tar);
    await uploadDatarange(ds, points(40, 45));
    expect([a.first, a.last, a.counter, b.first, b.last, b.counter]).toEqual([1n, 20n, 1, 21n, 30n, 2]);
    expect(a.key).toBe(
      'datas3t/frames/dataranges/00000000000000000001-00000000000000000020-000000000001.tar',
    );
    expect(b.size).toBe(tar.length);
    const keys = await keysOf(port(), 'datas3t/frames/');
    expect(keys).toContain(a.key);
    expect(keys).toContain(a.key.replace(/\.tar$/, '.index'));
    expect(keys).toContain('datas3t/frames/manifest.json');
    expect((await port().head(a.key.replace(/\.tar$/, '.index'))).size).toBe(20 * 16);

    const reader = datasets(port()).open('frames');
    expect(text(await get(reader, 7))).toContain('"n":7}');
    expect(text(await get(reader, 30n))).toContain('"n":30}');
    expect((await rejection(get(reader, 35))).code).toBe('NotFound');

    const seen: string[] = [];
    for await (const p of range(reader, 18, 42, { segmentBytes: 1500 })) {
      expect(text(p.body)).toContain(`"n":${p.n}}`);
      seen.push(p.name);
    }
    expect(seen).toHaveLength(3 + 10 + 3);
    expect(seen[0]).toBe('00000000000000000018.json');
    expect(seen[3]).toBe('00000000000000000021.json.zst');
    expect(seen.at(-1)).toBe('00000000000000000042.json');
    expect(await coverage(reader)).toEqual({
      present: [
        { first: 1n, last: 30n },
        { first: 40n, last: 45n },
      ],
      gaps: [{ first: 31n, last: 39n }],
    });
    const [summary] = await catalog.list();
    expect(summary).toMatchObject({ dataranges: 3, datapoints: 36n, first: 1n, last: 45n });
  });

  it('rejects overlapping dataranges, naming the committed one, and writes nothing', async () => {
    const ds = await datasets(port()).create('ov');
    const committed = await uploadDatarange(ds, points(10, 19));
    const before = await keysOf(port());
    for (const [first, last] of [
      [15, 25],
      [1, 10],
      [10, 19],
      [5, 30],
    ] as const) {
      const err = await rejection(uploadDatarange(ds, points(first, last)));
      expect(err.code).toBe('InvalidArgument');
      expect(err.details.overlaps).toMatchObject({ first: '10', last: '19', key: committed.key });
    }
    expect(await keysOf(port())).toEqual(before);
    await uploadDatarange(ds, points(20, 21));
  });

  it('rejects invalid archives, saying which entry is wrong, and leaves storage untouched', async () => {
    const ds = await datasets(port()).create('bad');
    await uploadDatarange(ds, points(1, 2));
    const before = await keysOf(port());
    const manifestEtag = (await port().head('datas3t/bad/manifest.json')).etag;

    const garbage = new Uint8Array(1024).fill(7);
    expect((await rejection(uploadDatarange(ds, garbage))).code).toBe('Corrupt');
    const truncated = tarBytes([{ name: '00000000000000000003.json', body: new Uint8Array(2000) }]).subarray(
      0,
      1000,
    );
    expect((await rejection(uploadDatarange(ds, truncated))).code).toBe('Corrupt');

    const gap = await rejection(uploadDatarange(ds, [...points(3, 4), ...points(6, 6)]));
    expect(gap.code).toBe('InvalidArgument');
    expect(gap.details).toMatchObject({ entry: 2, name: '00000000000000000006.json', expected: '5' });

    const badName = tarBytes([{ name: 'frame-3.json', body: new Uint8Array(3) }]);
    expect((await rejection(uploadDatarange(ds, badName))).details).toMatchObject({
      entry: 0,
      name: 'frame-3.json',
    });
    const empty = tarBytes([]);
    expect((await rejection(uploadDatarange(ds, empty))).code).toBe('InvalidArgument');
    const negative = await rejection(uploadDatarange(ds, [{ n: -1, ext: 'json', body: '' }]));
    expect(negative.details.entry).toBe(0);

    expect((await rejection(uploadDatarange(datasets(port()).open('nope'), points(1, 1)))).code).toBe(
      'NotFound',
    );
    expect(await keysOf(port())).toEqual(before);
    expect((await port().head('datas3t/bad/manifest.json')).etag).toBe(manifestEtag);
  });

  it('gets a datapoint with one ranged GET once its index is cached', async () => {
    const base = port();
    const calls: string[] = [];
    const counting: StoragePort = Object.assign(Object.create(base) as StoragePort, {
      get: (key: string, options?: Parameters<StoragePort['get']>[1]) => {
        calls.push(key);
        return base.get(key, options);
      },
    });
    const ds = await datasets(counting).create('cached');
    await uploadDatarange(ds, points(1, 50));
    await uploadDatarange(ds, [{ n: 51, ext: 'bin', body: new Uint8Array(0) }]);
    const reader = datasets(counting).open('cached');
    expect(text(await get(reader, 10))).toContain('"n":10}');
    calls.length = 0;
    expect(text(await get(reader, 11))).toContain('"n":11}');
    expect(text(await get(reader, 50))).toContain('"n":50}');
    expect(calls).toHaveLength(2);
    expect(calls.every((key) => key.endsWith('.tar'))).toBe(true);
    expect(await get(reader, 51)).toEqual(new Uint8Array(0));
  });

  it('eight concurrent uploads of overlapping dataranges: exactly one wins', async () => {
    await concurrentOverlap(port(), 'race');
  });
}
