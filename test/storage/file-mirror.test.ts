import { linkSync, utimesSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/index.js';

// A copy with `mirror` takes the destination's lock by hard-linking the source's record file to the
// lock's name and writes the source's record in place into the destination's (src/storage/file/copy.ts).

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bk-file-mirror-'));
  dirs.push(dir);
  return dir;
}

const bytesOf = (text: string, size = 4096) => new TextEncoder().encode(text.repeat(size / text.length));
const text = async (port: ReturnType<typeof fileStorage>, key: string) =>
  new TextDecoder().decode(await (await port.get(key)).bytes());

/** Every file name under `dir`, recursively. */
async function namesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('file port: copy with mirror', () => {
  for (const durable of [false, true]) {
    it(`keeps the source's record and Last-Modified, and later writes to either key leave the other alone (durable: ${durable})`, async () => {
      const root = await folder();
      const port = fileStorage(root, { durable });
      await port.put('versions/a/1', bytesOf('one '), { metadata: { v: '1' }, contentType: 'text/plain' });
      await port.put('a', bytesOf('old '));
      await new Promise((r) => setTimeout(r, 15));
      const copied = await port.copy('versions/a/1', 'a', { mirror: true });
      const [source, mirror] = [await port.head('versions/a/1'), await port.head('a')];
      expect(copied).toEqual({ etag: source.etag, size: 4096 });
      expect(mirror).toMatchObject({ key: 'a', etag: source.etag, size: 4096, contentType: 'text/plain' });
      expect(mirror.metadata).toEqual({ v: '1' });
      expect(mirror.lastModified.getTime()).toBe(source.lastModified.getTime());
      expect(await text(port, 'a')).toBe('one '.repeat(1024));

      await port.put('a', bytesOf('two '));
      expect(await text(port, 'versions/a/1')).toBe('one '.repeat(1024));
      await port.copy('versions/a/1', 'a', { mirror: true });
      await port.put('versions/a/1', bytesOf('new '), { ifMatch: source.etag });
      expect(await text(port, 'a')).toBe('one '.repeat(1024));
      expect((await namesUnder(root)).filter((n) => n.endsWith('~l'))).toEqual([]);
    });
  }

  it('copies where it cannot write in place: a new destination, a source with a data file', async () => {
    const root = await folder();
    const port = fileStorage(root, { durable: false });
    await port.put('small', bytesOf('s'));
    await port.put('large', bytesOf('L', 64 * 1024));
    await port.copy('small', 'fresh', { mirror: true });
    await port.put('big-copy', bytesOf('x'));
    await port.copy('large', 'big-copy', { mirror: true });
    await port.delete('small');
    await port.delete('large');
    expect(await text(port, 'fresh')).toBe('s'.repeat(4096));
    expect(await text(port, 'big-copy')).toBe('L'.repeat(64 * 1024));
    await expect(port.copy('small', 'fresh', { mirror: true })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(
      port.copy('fresh', 'big-copy', { mirror: true, ifSourceMatch: 'nope' }),
    ).rejects.toMatchObject({ code: 'PreconditionFailed' });
    expect((await namesUnder(root)).filter((n) => n.endsWith('~l'))).toEqual([]);
  });

  it('20 mirror copies and 20 puts to one key at once: every one lands whole, no source changes', async () => {
    const root = await folder();
    const port = fileStorage(root, { durable: false });
    await port.put('key', bytesOf('start '));
    const written = new Set<string>(['start '.repeat(682)]);
    for (let i = 0; i < 20; i++) await port.put(`src/${i}`, bytesOf(`s${String(i).padStart(3, '0')}`));
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await port.copy(`src/${i}`, 'key', { mirror: true });
        await port.put('key', bytesOf(`p${String(i).padStart(3, '0')}`));
      }),
    );
    for (let i = 0; i < 20; i++) {
      written.add(`s${String(i).padStart(3, '0')}`.repeat(1024));
      written.add(`p${String(i).padStart(3, '0')}`.repeat(1024));
      expect(await text(port, `src/${i}`)).toBe(`s${String(i).padStart(3, '0')}`.repeat(1024));
    }
    expect(written.has(await text(port, 'key'))).toBe(true);
    expect((await namesUnder(root)).filter((n) => n.endsWith('~l'))).toEqual([]);
  });

  it("a crashed mirror's lock (the source's record linked to the lock's name) is taken over; the source stays", async () => {
    const root = await folder();
    const port = fileStorage(root, { durable: false });
    await port.put('src', bytesOf('src '));
    await port.put('key', bytesOf('key '));
    linkSync(join(root, 'src~'), join(root, 'key~l'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'key~l'), old, old);
    await port.put('key', bytesOf('new '));
    expect(await text(port, 'key')).toBe('new '.repeat(1024));
    expect(await text(port, 'src')).toBe('src '.repeat(1024));
    expect((await namesUnder(root)).filter((n) => n.includes('~l') || n.includes('~c'))).toEqual([]);
  });

  for (const durable of [false, true]) {
    it(`putMirrored writes the object create-only and the same record at the mirror (durable: ${durable})`, async () => {
      const root = await folder();
      const port = fileStorage(root, { durable });
      await port.put('a', bytesOf('old '));
      const written = await port.putMirrored('versions/a/1', 'a', bytesOf('one '), {
        metadata: { v: '1' },
        contentType: 'text/plain',
        ifNoneMatch: '*',
      });
      const [object, mirror] = [await port.head('versions/a/1'), await port.head('a')];
      expect(written).toEqual({ etag: object.etag, size: 4096 });
      expect(mirror).toMatchObject({ key: 'a', etag: object.etag, size: 4096, contentType: 'text/plain' });
      expect(mirror.metadata).toEqual({ v: '1' });
      expect(mirror.lastModified.getTime()).toBe(object.lastModified.getTime());
      await expect(
        port.putMirrored('versions/a/1', 'a', bytesOf('two '), { ifNoneMatch: '*' }),
      ).rejects.toMatchObject({ code: 'PreconditionFailed' });
      expect(await text(port, 'a')).toBe('one '.repeat(1024));

      await port.put('a', bytesOf('new '));
      expect(await text(port, 'versions/a/1')).toBe('one '.repeat(1024));
      await port.putMirrored('versions/a/2', 'a', bytesOf('two '), { ifNoneMatch: '*' });
      await port.put('versions/a/2', bytesOf('chg '));
      expect(await text(port, 'a')).toBe('two '.repeat(1024));
      expect(await text(port, 'versions/a/1')).toBe('one '.repeat(1024));
      // a new mirror key, a large object, a write that is not create-only: the same outcome
      await port.putMirrored('versions/b/1', 'b', bytesOf('b'), { ifNoneMatch: '*' });
      await port.putMirrored('versions/c/1', 'c', bytesOf('C', 64 * 1024), { ifNoneMatch: '*' });
      await port.putMirrored('versions/d/1', 'd', bytesOf('d'));
      for (const [key, body] of [
        ['b', 'b'.repeat(4096)],
        ['c', 'C'.repeat(64 * 1024)],
        ['d', 'd'.repeat(4096)],
      ] as const) {
        expect(await text(port, key)).toBe(body);
        expect(await text(port, `versions/${key}/1`)).toBe(body);
      }
      const names = await namesUnder(root);
      expect(names.filter((n) => n.endsWith('~l') || n.includes('~t'))).toEqual([]);
    });
  }

  it('20 putMirrored of distinct objects to one mirror at once: every object whole, the mirror one of them', async () => {
    const root = await folder();
    const port = fileStorage(root, { durable: false });
    await port.put('key', bytesOf('start '));
    const body = (i: number) => `v${String(i).padStart(3, '0')}`;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        port.putMirrored(`versions/key/${i}`, 'key', bytesOf(body(i)), { ifNoneMatch: '*' }),
      ),
    );
    const bodies = Array.from({ length: 20 }, (_, i) => body(i).repeat(1024));
    for (let i = 0; i < 20; i++) expect(await text(port, `versions/key/${i}`)).toBe(bodies[i]);
    expect(bodies).toContain(await text(port, 'key'));
    expect((await namesUnder(root)).filter((n) => n.endsWith('~l'))).toEqual([]);
  });

  it('create-only writes of one key by putMirrored and by put at once: exactly one lands', async () => {
    const root = await folder();
    const port = fileStorage(root, { durable: false });
    await port.put('key', bytesOf('start '));
    for (let round = 0; round < 5; round++) {
      const target = `versions/key/${round}`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) =>
          i % 2
            ? port.putMirrored(target, 'key', bytesOf(`m${String(i).padStart(3, '0')}`), { ifNoneMatch: '*' })
            : port.put(target, bytesOf(`p${String(i).padStart(3, '0')}`), { ifNoneMatch: '*' }),
        ),
      );
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'PreconditionFailed' });
      const winner = won[0]!;
      expect(await text(port, target)).toBe(
        `${winner % 2 ? 'm' : 'p'}${String(winner).padStart(3, '0')}`.repeat(1024),
      );
    }
    expect((await namesUnder(root)).filter((n) => n.endsWith('~l'))).toEqual([]);
  });
});
