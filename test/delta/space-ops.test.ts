import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeltaSpace, syncDirectory } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import { fileStorage, memoryStorage } from '../../src/storage/index.js';
import { randomBytes, versionPair } from './edits.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bk-delta-ops-'));
  dirs.push(dir);
  return dir;
}

const { source: v1, target: v2 } = versionPair(200_000, 40);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('DeltaSpace list, stats and verify', () => {
  it('lists original names and sizes past 1,000 files (the backend pages)', async () => {
    const space = new DeltaSpace(memoryStorage(), { prefix: 'many', archiveTypes: ['*'] });
    const base = randomBytes(2_000, 1);
    await space.put('0000.bin', base);
    for (let i = 1; i < 1_050; i++) {
      const version = base.slice();
      version[i % base.length] = (i * 7) & 0xff;
      await space.put(`${String(i).padStart(4, '0')}.bin`, version);
    }
    const listed = [];
    for await (const file of space.list({ pageSize: 100 })) listed.push(file);
    expect(listed).toHaveLength(1_050);
    expect(listed.every((f) => f.storedAs === 'delta' && f.size === 2_000 && f.storedSize < 100)).toBe(true);
    expect(listed[1_049]?.name).toBe('1049.bin');
  }, 30_000);

  it('stats: original vs stored bytes (reference included) and their ratio', async () => {
    const space = new DeltaSpace(memoryStorage(), { prefix: 's' });
    expect(await space.stats()).toMatchObject({ files: 0, originalBytes: 0, storedBytes: 0, ratio: 1 });
    await space.put('a.zip', v1);
    await space.put('b.zip', v2);
    await space.put('n.txt', Uint8Array.of(1, 2, 3));
    const stats = await space.stats();
    expect(stats).toMatchObject({ files: 3, deltas: 2, directs: 1, referenceBytes: v1.length });
    expect(stats.originalBytes).toBe(v1.length + v2.length + 3);
    expect(stats.storedBytes).toBeGreaterThan(v1.length);
    expect(stats.storedBytes).toBeLessThan(v1.length * 1.05);
    expect(stats.ratio).toBeCloseTo(stats.storedBytes / stats.originalBytes, 10);
    expect(stats.savedBytes).toBe(stats.originalBytes - stats.storedBytes);
  });

  it('verify re-reads the reference, checks SHA-256 and size, and throws Corrupt on damage', async () => {
    const port = memoryStorage();
    const space = new DeltaSpace(port, { prefix: 'v' });
    await space.put('a.zip', v1);
    await space.put('b.zip', v2);
    await port.put('v/plain.bin', 'regular object');
    expect(await space.verify('b.zip')).toMatchObject({ storedAs: 'delta', size: v2.length, checked: true });
    expect(await space.verify('plain.bin')).toMatchObject({ storedAs: 'direct', checked: false });
    const ref = await port.get('v/reference.bin');
    const damaged = (await ref.bytes()).slice();
    damaged[5] = (damaged[5] as number) ^ 0xff;
    await port.put('v/reference.bin', damaged, { metadata: ref.metadata });
    const err = await space.verify('b.zip').catch((e) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    const delta = await port.get('v/a.zip.delta');
    await port.put('v/a.zip.delta', await delta.bytes(), {
      metadata: { ...delta.metadata, 'dg-file-size': '12' },
    });
    await port.put('v/reference.bin', v1, { metadata: ref.metadata });
    expect(BucketkitError.is(await space.verify('a.zip').catch((e) => e), 'Corrupt')).toBe(true);
  });
});

describe('syncDirectory', () => {
  it('uploads changed files only (size + SHA-256, not mtime), downloads, and mirrors deletes', async () => {
    const port = fileStorage(await tempDir(), { durable: false });
    const space = new DeltaSpace(port, { prefix: 'rel' });
    const local = await tempDir();
    await writeFile(join(local, 'app-1.zip'), v1);
    await writeFile(join(local, 'app-2.zip'), v2);
    await writeFile(join(local, 'notes.txt'), 'hello');
    await writeFile(join(local, 'café.txt'), 'not an ASCII name');
    const first = await syncDirectory(space, local, { direction: 'upload' });
    expect(first.copied).toEqual(['app-1.zip', 'app-2.zip', 'notes.txt']);
    expect(first.skipped).toEqual(['café.txt']);
    expect((await space.head('app-2.zip')).storedAs).toBe('delta');

    // A touched file is unchanged; a same-size edit is copied.
    await utimes(join(local, 'app-1.zip'), new Date(), new Date(Date.now() + 60_000));
    await writeFile(join(local, 'notes.txt'), 'HELLO');
    const second = await syncDirectory(space, local, { direction: 'upload' });
    expect(second.copied).toEqual(['notes.txt']);
    expect(second.unchanged).toEqual(['app-1.zip', 'app-2.zip']);

    await rm(join(local, 'app-1.zip'));
    const dry = await syncDirectory(space, local, { direction: 'upload', delete: true, dryRun: true });
    expect(dry.deleted).toEqual(['app-1.zip']);
    expect((await space.head('app-1.zip')).name).toBe('app-1.zip');
    const third = await syncDirectory(space, local, { direction: 'upload', delete: true });
    expect(third.deleted).toEqual(['app-1.zip']);
    expect(BucketkitError.is(await space.head('app-1.zip').catch((e) => e), 'NotFound')).toBe(true);
    expect(same(await space.get('app-2.zip'), v2)).toBe(true);

    const down = await tempDir();
    await writeFile(join(down, 'stale.zip'), 'old');
    await writeFile(join(down, 'notes.txt'), 'HELLO');
    const pulled = await syncDirectory(space, down, { direction: 'download', delete: true });
    expect(pulled).toMatchObject({ copied: ['app-2.zip'], unchanged: ['notes.txt'], deleted: ['stale.zip'] });
    expect((await readdir(down)).sort()).toEqual(['app-2.zip', 'notes.txt']);
    expect(same(new Uint8Array(await readFile(join(down, 'app-2.zip'))), v2)).toBe(true);
  });
});
