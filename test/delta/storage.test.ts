import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { delta } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { versionPair } from './edits.js';

const { source: v1, target: v2 } = versionPair(200_000, 80);
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function listed(port: StoragePort, options = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const e of port.list(options))
    out.push(e.type === 'object' ? `${e.key}:${e.size}` : `[${e.prefix}]`);
  return out;
}

describe('delta(port)', () => {
  it('stores archives as DeltaGlider deltas and shows original names, sizes, ETags and metadata', async () => {
    const base = memoryStorage();
    const port = delta(base, { prefixes: ['rel/'] });
    const put = await port.put('rel/app/a.zip', v1, {
      metadata: { build: '1' },
      contentType: 'application/zip',
    });
    expect(put).toEqual({ etag: md5(v1), size: v1.length });
    await port.put('rel/app/b.zip', v2, { metadata: { build: '2' } });
    await port.put('other/c.zip', v2);
    expect(await listed(base)).toEqual([
      `other/c.zip:${v2.length}`,
      expect.stringMatching(/^rel\/app\/a\.zip\.delta:\d+$/),
      expect.stringMatching(/^rel\/app\/b\.zip\.delta:\d+$/),
      `rel/app/reference.bin:${v1.length}`,
    ]);
    expect(await listed(port)).toEqual([
      `other/c.zip:${v2.length}`,
      `rel/app/a.zip:${v1.length}`,
      `rel/app/b.zip:${v2.length}`,
    ]);
    const head = await port.head('rel/app/b.zip');
    expect(head).toMatchObject({
      key: 'rel/app/b.zip',
      size: v2.length,
      etag: md5(v2),
      metadata: { build: '2' },
    });
    const got = await port.get('rel/app/a.zip');
    expect(got).toMatchObject({
      size: v1.length,
      etag: md5(v1),
      contentType: 'application/zip',
      metadata: { build: '1' },
    });
    expect(same(await got.bytes(), v1)).toBe(true);
    // The DeltaGlider keys are there underneath, user metadata as the proxy writes it.
    expect((await base.head('rel/app/b.zip.delta')).metadata).toMatchObject({
      'dg-original-name': 'b.zip',
      'dg-ref-key': 'rel/app/reference.bin',
      'dg-md5': md5(v2),
      'user-build': '2',
    });
  });

  it("regular objects pass through untouched: a caller's own md5 metadata is not taken for the ETag", async () => {
    const port = delta(memoryStorage());
    await port.put('notes.txt', 'hello', { metadata: { md5: 'mine', 'user-x': 'y' } });
    const head = await port.head('notes.txt');
    expect(head).toMatchObject({
      etag: md5(new TextEncoder().encode('hello')),
      metadata: { md5: 'mine', 'user-x': 'y' },
    });
  });

  it('a ranged get of a delta-stored object decodes, then slices', async () => {
    const port = delta(memoryStorage());
    await port.put('a.zip', v1);
    await port.put('b.zip', v2);
    const got = await port.get('b.zip', { range: { start: 150_000, end: 150_099 } });
    expect(got.range).toEqual({ start: 150_000, end: 150_099 });
    expect(got.size).toBe(v2.length);
    expect(same(await got.bytes(), v2.subarray(150_000, 150_100))).toBe(true);
    const err = await port.get('b.zip', { range: { start: v2.length } }).catch((e) => e);
    expect(BucketkitError.is(err, 'InvalidRange')).toBe(true);
  });

  it('keeps UTF-8 order although "x.zip.delta" is listed as "x.zip" (before "x.zip-notes")', async () => {
    const port = delta(memoryStorage());
    await port.put('o/x.zip', v1);
    await port.put('o/x.zip-notes', 'n');
    await port.put('o/x.zip.txt', 't');
    await port.put('o/y.zip', v2);
    expect(await listed(port, { prefix: 'o/' })).toEqual([
      `o/x.zip:${v1.length}`,
      'o/x.zip-notes:1',
      'o/x.zip.txt:1',
      `o/y.zip:${v2.length}`,
    ]);
    expect(await listed(port, { prefix: 'o/', startAfter: 'o/x.zip' })).toEqual([
      'o/x.zip-notes:1',
      'o/x.zip.txt:1',
      `o/y.zip:${v2.length}`,
    ]);
    expect(await listed(port, { prefix: 'o/x.zip.' })).toEqual(['o/x.zip.txt:1']);
  });

  it('reserves reference.bin and *.delta keys inside its prefixes', async () => {
    const port = delta(memoryStorage(), { prefixes: ['rel/'] });
    for (const key of ['rel/reference.bin', 'rel/a/x.zip.delta']) {
      expect(BucketkitError.is(await port.put(key, 'x').catch((e) => e), 'InvalidKey')).toBe(true);
    }
    await port.put('elsewhere/x.zip.delta', 'fine outside the prefixes');
  });

  it('a direct archive whose bytes changed fails its streamed SHA-256 check with Corrupt', async () => {
    const base = memoryStorage();
    const port = delta(base, { maxRatio: 0 });
    await port.put('a.zip', v1);
    await port.put('b.zip', v2); // maxRatio 0: stored directly, with dg-file-sha256
    const stored = await base.head('b.zip');
    const tampered = v2.slice();
    tampered[10] = (tampered[10] as number) ^ 1;
    await base.put('b.zip', tampered, { metadata: stored.metadata });
    const err = await (await port.get('b.zip')).bytes().catch((e) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  });

  it('conditional writes on an archive are atomic: one create wins, compare-and-swap on the original ETag', async () => {
    const port = delta(memoryStorage());
    await port.put('a.zip', v1);
    const results = await Promise.allSettled(
      [v2, v1, v2].map((bytes) => port.put('c.zip', bytes, { ifNoneMatch: '*' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await port.put('b.zip', v2);
    const err = await port.put('b.zip', v1, { ifMatch: md5(v1) }).catch((e) => e);
    expect(BucketkitError.is(err, 'PreconditionFailed')).toBe(true);
    expect((await port.put('b.zip', v1, { ifMatch: md5(v2) })).etag).toBe(md5(v1));
    expect(same(await (await port.get('b.zip')).bytes(), v1)).toBe(true);
  });
});
