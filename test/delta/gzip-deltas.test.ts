/**
 * `.tar.gz`/`.tgz`/`.gz` stored as a delta over their gunzipped content whenever their exact bytes can be
 * rebuilt (zlib at a level, or the system `gzip -n`, header kept when it differs), checked by rebuilding
 * before the write is acknowledged; DeltaGlider's `.tar.gz` deltas read back byte-exact, and DeltaGlider
 * reads ours when GNU gzip made the file (its xdelta3 regzips with `gzip -c`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { findRecipe, gunzip } from '../../src/delta/gzip-rebuild.js';
import { DeltaSpace, delta } from '../../src/delta/index.js';
import { encodeFile } from '../../src/delta/space-encode.js';
import { memoryStorage } from '../../src/storage/index.js';
import { requireDebian } from '../support/debian.js';
import { dgGet, dgPutArchive } from './deltaglider-fixture.js';
import { versionPair } from './edits.js';

const { source: tar1, target: tar2 } = versionPair(400_000, 91, true);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const dir = mkdtempSync(join(tmpdir(), 'bk-gzip-deltas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GNU gzip of `bytes` piped (`tar czf`'s way: no name, no time stamp). */
const gnuGzip = (bytes: Uint8Array, level = 6) => {
  requireDebian('gzip');
  return new Uint8Array(execFileSync('gzip', ['-n', '-c', `-${level}`], { input: bytes }));
};
/** GNU gzip of a file on disk, name and time stamp in the header (`gzip -k app.tar`'s bytes). */
const gnuGzipFile = (bytes: Uint8Array, name: string) => {
  requireDebian('gzip');
  writeFileSync(join(dir, name), bytes);
  utimesSync(join(dir, name), 1_700_000_000, 1_700_000_000);
  return new Uint8Array(execFileSync('gzip', ['-c', '-9', join(dir, name)]));
};

describe('gzip files as deltas over their content', () => {
  it('tar czf-style .tar.gz: a small delta, read back exact, recipe recorded, and DeltaGlider reads it', async () => {
    const gz1 = gnuGzip(tar1);
    const gz2 = gnuGzip(tar2);
    const bucket = memoryStorage();
    const space = new DeltaSpace(bucket, { prefix: 'rel' });
    expect((await space.put('app-1.tar.gz', gz1)).createdReference).toBe(true);
    const second = await space.put('app-2.tar.gz', gz2);
    expect(second.storedAs).toBe('delta');
    expect(second.storedSize).toBeLessThan(gz2.length / 5);
    expect(same(await space.get('app-2.tar.gz'), gz2)).toBe(true);
    const head = await bucket.head('rel/app-2.tar.gz.delta');
    expect(head.metadata['bk-gzip-rebuild']).toMatch(/^(zlib|gzip) 6 0$/);
    // DeltaGlider's read: xdelta3 -d gunzips reference.bin and regzips with gzip -c
    expect(same(await dgGet(bucket, 'rel/app-2.tar.gz'), gz2)).toBe(true);
    expect(same(await dgGet(bucket, 'rel/app-1.tar.gz'), gz1)).toBe(true);
  });

  it('zlib level 9 (.tgz) and GNU gzip with a name and time stamp (.gz): rebuilt exactly by their recipe', async () => {
    const port = delta(memoryStorage());
    const z1 = new Uint8Array(gzipSync(tar1, { level: 9 }));
    const z2 = new Uint8Array(gzipSync(tar2, { level: 9 }));
    await port.put('npm/pkg-1.tgz', z1);
    await port.put('npm/pkg-2.tgz', z2);
    expect(same(await (await port.get('npm/pkg-2.tgz')).bytes(), z2)).toBe(true);
    const named1 = gnuGzipFile(tar1, 'data-1.tar');
    const named2 = gnuGzipFile(tar2, 'data-2.tar');
    expect(findRecipe(named2, gunzip(named2, 1 << 30)!)).toMatchObject({ tool: 'gzip', level: 9 });
    const space = new DeltaSpace(memoryStorage(), { prefix: 'named' });
    await space.put('data-1.tar.gz', named1);
    const r = await space.put('data-2.tar.gz', named2);
    expect(r).toMatchObject({ storedAs: 'delta' });
    expect(r.storedSize).toBeLessThan(named2.length / 5);
    expect(same(await space.get('data-2.tar.gz'), named2)).toBe(true);
    expect((await space.verify('data-2.tar.gz')).checked).toBe(true);
  });

  it('reads DeltaGlider-written .tar.gz deltas byte-exact (xdelta3 without -D, regzipped with gzip -c)', async () => {
    const bucket = memoryStorage();
    const gz1 = gnuGzip(tar1);
    const gz2 = gnuGzip(tar2);
    await dgPutArchive(bucket, 'dg/app/app-1.tar.gz', gz1);
    await dgPutArchive(bucket, 'dg/app/app-2.tar.gz', gz2);
    expect((await bucket.head('dg/app/app-2.tar.gz.delta')).size).toBeLessThan(gz2.length / 5);
    const space = new DeltaSpace(bucket, { prefix: 'dg/app' });
    expect(same(await space.get('app-2.tar.gz'), gz2)).toBe(true);
    expect(same(await space.get('app-1.tar.gz'), gz1)).toBe(true);
  });

  it('stores whole what no recipe rebuilds (two gzip members), before any reference exists', async () => {
    const port = memoryStorage();
    const space = new DeltaSpace(port);
    const twoMembers = new Uint8Array([...gnuGzip(tar1.subarray(0, 1000)), ...gnuGzip(tar1.subarray(1000))]);
    const r = await space.put('odd.tar.gz', twoMembers);
    expect(r).toMatchObject({ storedAs: 'direct', createdReference: false });
    expect(same(await space.get('odd.tar.gz'), twoMembers)).toBe(true);
    await expect(port.head('reference.bin')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('a gzip delta is checked by rebuilding before it is kept: a wrong recipe gives no delta', async () => {
    const gz2 = gnuGzip(tar2);
    const inflated = gunzip(gz2, 1 << 30)!;
    const good = { bytes: gz2, gzip: { inflated, recipe: findRecipe(gz2, inflated)! } };
    expect(await encodeFile('x.tar.gz', gnuGzip(tar1), good, undefined)).toBeInstanceOf(Uint8Array);
    const wrong = {
      bytes: gz2,
      gzip: { inflated, recipe: { tool: 'zlib' as const, level: 1, strategy: 0 } },
    };
    expect(await encodeFile('x.tar.gz', gnuGzip(tar1), wrong, undefined)).toBeUndefined();
  });
});
