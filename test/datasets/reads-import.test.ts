import { describe, expect, it } from 'vitest';
import {
  datasets,
  findDatasets,
  importDataset,
  present,
  presignRange,
  tarBytes,
  uploadDatarange,
  uploadTarStream,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/index.js';
import { expectWhole, sized } from './aggregate-suite.js';
import { keysOf } from './dataset-suite.js';

async function rejection(p: Promise<unknown>): Promise<BucketkitError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!BucketkitError.is(e)) throw new Error(`expected a BucketkitError, got ${String(e)}`);
  return e;
}

const tarOf = (first: number, last: number, bytes = 50) =>
  tarBytes(
    sized(first, last, bytes).map((p) => ({
      name: `${String(p.n).padStart(20, '0')}.bin`,
      body: p.body as Uint8Array,
    })),
  );

function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
  })();
}

describe('present and presignRange', () => {
  it('present() gives runs, gaps and a bitmap whose bits are the stored datapoints', async () => {
    const ds = await datasets(memoryStorage()).create('p');
    expect(await present(ds)).toMatchObject({ ranges: [], gaps: [], count: 0n });
    await uploadDatarange(ds, sized(10, 12, 5));
    await uploadDatarange(ds, sized(13, 14, 5));
    await uploadDatarange(ds, sized(20, 20, 5));
    const all = await present(ds);
    expect(all).toMatchObject({
      from: 10n,
      to: 20n,
      ranges: [
        { first: 10n, last: 14n },
        { first: 20n, last: 20n },
      ],
      gaps: [{ first: 15n, last: 19n }],
      count: 6n,
    });
    const bit = (i: number) => (all.bitmap[i >> 3]! >> (i & 7)) & 1;
    expect(Array.from({ length: 11 }, (_, i) => bit(i))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
    const window = await present(ds, { from: 0, to: 11 });
    expect(window.gaps).toEqual([{ first: 0n, last: 9n }]);
    expect(window.count).toBe(2n);
    expect((await rejection(present(ds, { from: 0, to: 2 ** 40 }))).code).toBe('InvalidArgument');
  });

  it('presignRange refuses ports that cannot presign', async () => {
    const ds = await datasets(memoryStorage()).create('np');
    expect((await rejection(presignRange(ds, 1, 2))).code).toBe('Unsupported');
  });
});

describe('uploadTarStream', () => {
  it('uploads a chunked stream, with or without the last datapoint claimed', async () => {
    const port = memoryStorage();
    const ds = await datasets(port).create('s');
    const a = await uploadTarStream(ds, chunked(tarOf(1, 20), 333));
    expect(a).toMatchObject({ first: 1n, last: 20n, counter: 1 });
    const b = await uploadTarStream(ds, chunked(tarOf(21, 25), 4096), { last: 25 });
    expect(b.key).toMatch(/00000000000000000021-00000000000000000025-000000000002\.tar$/);
    await expectWhole(ds, 1, 25, 50);
    expect(await keysOf(port, 'datas3t/s/dataranges/')).toHaveLength(4);
  });

  it('rejects a wrong entry mid-stream, a wrong claim and an overlap, leaving nothing behind', async () => {
    const port = memoryStorage();
    const ds = await datasets(port).create('s');
    await uploadDatarange(ds, sized(100, 101, 5));
    const before = await keysOf(port);
    const gap = concatTar([...sized(1, 3, 50), ...sized(5, 5, 50)]);
    const err = await rejection(uploadTarStream(ds, chunked(gap, 100)));
    expect(err.details).toMatchObject({ entry: 3, expected: '4' });
    const claim = await rejection(uploadTarStream(ds, chunked(tarOf(1, 3), 100), { last: 4 }));
    expect(claim.message).toMatch(/holds datapoints 1..3, not 1..4/);
    const overlap = await rejection(uploadTarStream(ds, chunked(tarOf(99, 100), 100)));
    expect(overlap.details.overlaps).toMatchObject({ first: '100', last: '101' });
    expect((await rejection(uploadTarStream(ds, chunked(new Uint8Array(1024).fill(1), 100)))).code).toBe(
      'Corrupt',
    );
    expect(await keysOf(port)).toEqual(before);
    expect((await ds.manifest({ fresh: true })).pending).toBeUndefined();
  });
});

function concatTar(points: ReturnType<typeof sized>) {
  return tarBytes(
    points.map((p) => ({ name: `${String(p.n).padStart(20, '0')}.bin`, body: p.body as Uint8Array })),
  );
}

describe('importDataset', () => {
  it('rebuilds a lost manifest; a missing or lying index is Corrupt, naming the object', async () => {
    const port = memoryStorage();
    const ds = await datasets(port).create('i');
    const a = await uploadDatarange(ds, sized(1, 8, 20));
    const b = await uploadDatarange(ds, sized(9, 9, 20));
    await port.delete('datas3t/i/manifest.json');
    expect(await findDatasets(port)).toEqual(['i']);
    expect((await importDataset(port, 'i')).imported).toHaveLength(2);
    await expectWhole(ds, 1, 9, 20);

    await port.delete('datas3t/i/manifest.json');
    const indexB = b.key.replace(/\.tar$/, '.index');
    const saved = await (await port.get(indexB)).bytes();
    await port.delete(indexB);
    const missing = await rejection(importDataset(port, 'i'));
    expect(missing.code).toBe('Corrupt');
    expect(missing.details.key).toBe(b.key);
    // a's index swapped in for b: wrong count
    await port.put(indexB, await (await port.get(a.key.replace(/\.tar$/, '.index'))).bytes());
    expect((await rejection(importDataset(port, 'i'))).message).toMatch(/index has 8 entries, not 1/);
    await port.put(indexB, saved);
    // an object whose headers disagree with its index
    await port.put(a.key, tarOf(2, 9, 20));
    const lying = await rejection(importDataset(port, 'i'));
    expect(lying.message).toMatch(/entry 0 is "00000000000000000002.bin"/);
    expect(await datasets(port).list()).toEqual([]);
  });
});
