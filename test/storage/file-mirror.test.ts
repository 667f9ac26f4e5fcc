import { linkSync, utimesSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/index.js';

// A copy with `mirror` takes the destination's lock by hard-linking the source's record file to the
// lock's name and writes the source's record in place into the destination's (src/storage/file/file.ts).

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
});
