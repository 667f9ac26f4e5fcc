import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeltaSpace, delta, diskReferenceCache, memoryReferenceCache } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import { instrumented, memoryStorage } from '../../src/storage/index.js';
import { randomBytes, versionPair } from './edits.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const { source: v1, target: v2 } = versionPair(200_000, 60);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** A port that records the keys it was asked to GET. */
function counting() {
  const gets: string[] = [];
  const port = instrumented(memoryStorage(), {
    onOperation: ({ operation, key, error }) => {
      if (operation === 'get' && key && error === undefined) gets.push(key);
    },
  });
  return { port, gets };
}

describe('delta policy options', () => {
  it('archiveTypes chooses which names become deltas', async () => {
    const space = new DeltaSpace(memoryStorage(), { archiveTypes: ['.bin'] });
    expect((await space.put('a.bin', v1)).storedAs).toBe('delta');
    expect((await space.put('b.bin', v2)).storedAs).toBe('delta');
    expect((await space.put('b.zip', v2)).storedAs).toBe('direct');
    const all = new DeltaSpace(memoryStorage(), { archiveTypes: ['*'] });
    expect((await all.put('README', v1)).storedAs).toBe('delta');
  });

  it('minSize stores small files directly', async () => {
    const space = new DeltaSpace(memoryStorage(), { minSize: 100_000 });
    expect((await space.put('small.zip', v1.subarray(0, 99_999))).storedAs).toBe('direct');
    expect((await space.put('big.zip', v1)).storedAs).toBe('delta');
  });

  it('maxRatio (default 0.5) drops deltas that are too large; a higher ratio keeps them', async () => {
    const unrelated = randomBytes(100_000, 61);
    const strict = new DeltaSpace(memoryStorage());
    await strict.put('a.zip', v1);
    expect((await strict.put('b.zip', unrelated)).storedAs).toBe('direct');
    const lax = new DeltaSpace(memoryStorage(), { maxRatio: 1.5 });
    await lax.put('a.zip', v1);
    const kept = await lax.put('b.zip', unrelated);
    expect(kept.storedAs).toBe('delta');
    expect(kept.storedSize).toBeGreaterThan(50_000);
    expect(same(await lax.get('b.zip'), unrelated)).toBe(true);
    expect(() => new DeltaSpace(memoryStorage(), { maxRatio: -1 })).toThrow(/maxRatio/);
    expect(() => new DeltaSpace(memoryStorage(), { minSize: 1.5 })).toThrow(/minSize/);
  });

  it('compressed inputs (.xz, .zst, and .gz/.tgz names that are not gzip) are stored directly, even with archiveTypes ["*"], and read back exact', async () => {
    const port = memoryStorage();
    const space = new DeltaSpace(port, { archiveTypes: ['*'] });
    for (const name of ['a.tar.gz', 'b.tgz', 'c.tar.xz', 'd.zst']) {
      expect((await space.put(name, v1)).storedAs).toBe('direct');
      expect(same(await space.get(name), v1)).toBe(true);
    }
    expect(BucketkitError.is(await port.head('reference.bin').catch((e) => e), 'NotFound')).toBe(true);
  });

  it('eight concurrent first puts through delta(): one reference, every file reads back exact', async () => {
    const base = memoryStorage();
    const port = delta(base);
    const files = Array.from({ length: 8 }, (_, i) => {
      const f = v1.slice();
      f[i * 1000] = i;
      return f;
    });
    await Promise.all(files.map((f, i) => port.put(`race/f${i}.zip`, f)));
    const keys: string[] = [];
    for await (const e of base.list({ prefix: 'race/' })) if (e.type === 'object') keys.push(e.key);
    expect(keys.filter((k) => k.endsWith('reference.bin'))).toHaveLength(1);
    expect(keys.filter((k) => k.endsWith('.delta'))).toHaveLength(8);
    for (const [i, f] of files.entries())
      expect(same(await (await port.get(`race/f${i}.zip`)).bytes(), f)).toBe(true);
  });
});

describe('reference cache', () => {
  it('without a cache every delta GETs the reference; with one, put and get under a prefix never re-fetch it', async () => {
    const plain = counting();
    const uncached = new DeltaSpace(plain.port, { prefix: 'p' });
    await uncached.put('a.zip', v1);
    await uncached.put('b.zip', v2);
    await uncached.get('b.zip');
    expect(plain.gets.filter((k) => k === 'p/reference.bin')).toHaveLength(2);

    const { port, gets } = counting();
    const space = new DeltaSpace(port, { prefix: 'p', cache: memoryReferenceCache() });
    await space.put('a.zip', v1);
    await space.put('b.zip', v2);
    expect(same(await space.get('b.zip'), v2)).toBe(true);
    expect(same(await space.get('a.zip'), v1)).toBe(true);
    expect(gets).toEqual(['p/b.zip.delta', 'p/a.zip.delta']);
    // verify always re-reads the reference.
    await space.verify('b.zip');
    expect(gets.filter((k) => k === 'p/reference.bin')).toHaveLength(1);
  });

  it('the memory cache is bounded by bytes, least recently used first', async () => {
    const { port, gets } = counting();
    const cache = memoryReferenceCache({ maxBytes: v2.length + 1000 });
    const x = new DeltaSpace(port, { prefix: 'x', cache });
    const y = new DeltaSpace(port, { prefix: 'y', cache });
    await x.put('a.zip', v1);
    await y.put('a.zip', v2); // evicts x's reference
    await y.get('a.zip');
    expect(gets.filter((k) => k.endsWith('reference.bin'))).toEqual([]);
    await x.get('a.zip');
    expect(gets.filter((k) => k.endsWith('reference.bin'))).toEqual(['x/reference.bin']);
  });

  it('on disk: encrypted (no plaintext in the folder), shared by instances, a foreign key reads as a miss, LRU-bounded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-refcache-'));
    dirs.push(dir);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const { port, gets } = counting();
    await new DeltaSpace(port, { prefix: 'd', cache: diskReferenceCache({ dir, key }) }).put('a.zip', v1);
    // Another instance (as another process would) with the same key: no GET of the reference.
    const other = new DeltaSpace(port, { prefix: 'd', cache: diskReferenceCache({ dir, key }) });
    await other.put('b.zip', v2);
    expect(same(await other.get('b.zip'), v2)).toBe(true);
    expect(gets.filter((k) => k.endsWith('reference.bin'))).toEqual([]);

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const sealed = await readFile(join(dir, files[0] as string));
    expect(sealed.length).toBe(v1.length + 28);
    expect(sealed.includes(Buffer.from(v1.subarray(1000, 1032)))).toBe(false);

    // A random per-process key (the default) cannot read those entries: a miss, then a GET.
    const stranger = new DeltaSpace(port, { prefix: 'd', cache: diskReferenceCache({ dir }) });
    expect(same(await stranger.get('b.zip'), v2)).toBe(true);
    expect(gets.filter((k) => k.endsWith('reference.bin'))).toEqual(['d/reference.bin']);

    const small = await mkdtemp(join(tmpdir(), 'bk-refcache-'));
    dirs.push(small);
    const bounded = diskReferenceCache({ dir: small, maxBytes: v2.length + 100 });
    await bounded.set('k1', await sha(v1), v1);
    await new Promise((r) => setTimeout(r, 20));
    await bounded.set('k2', await sha(v2), v2);
    expect(await readdir(small)).toHaveLength(1);
    expect(await bounded.get('k1', await sha(v1))).toBeUndefined();
    expect(same((await bounded.get('k2', await sha(v2))) as Uint8Array, v2)).toBe(true);
    await expect(bounded.set('k3', '0'.repeat(64), v1)).rejects.toThrow(/SHA-256/);
  });
});

async function sha(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)).toString('hex');
}
