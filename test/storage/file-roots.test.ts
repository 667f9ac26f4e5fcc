import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage, type StoragePort } from '../../src/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function keys(port: StoragePort, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of port.list(prefix === undefined ? {} : { prefix })) {
    if (entry.type === 'object') out.push(entry.key);
  }
  return out;
}

describe('file adapter: the same folder seen from any root (issue 15, item 6)', () => {
  it('objects written at one root are listed, read and described at its parent and at a child, with keys relative to each', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'bk-file-roots-'));
    dirs.push(outer);
    const data = join(outer, 'data');
    const written = fileStorage(data);
    const long = `${'L'.repeat(230)}/deep`;
    for (const key of ['photos/x.jpg', 'photos/sub/a.txt', 'top.txt', long])
      await written.put(key, `<${key}>`);

    const parent = fileStorage(outer);
    const child = fileStorage(join(data, 'photos'));
    const grandchild = fileStorage(join(data, 'photos', 'sub'));
    expect(await keys(parent)).toEqual([
      `${'data/L'.padEnd(235, 'L')}/deep`,
      'data/photos/sub/a.txt',
      'data/photos/x.jpg',
      'data/top.txt',
    ]);
    expect(await keys(child)).toEqual(['sub/a.txt', 'x.jpg']);
    expect(await keys(grandchild)).toEqual(['a.txt']);
    expect(await keys(parent, 'data/photos/')).toEqual(['data/photos/sub/a.txt', 'data/photos/x.jpg']);

    for (const [port, key, original] of [
      [parent, 'data/photos/sub/a.txt', 'photos/sub/a.txt'],
      [child, 'sub/a.txt', 'photos/sub/a.txt'],
      [grandchild, 'a.txt', 'photos/sub/a.txt'],
      [parent, `data/${long}`, long],
    ] as const) {
      const head = await port.head(key);
      expect(head.key).toBe(key);
      const got = await port.get(key);
      expect(got.key).toBe(key);
      expect(await got.text()).toBe(`<${original}>`);
    }
    // a write at the child is the same object at the first root
    await child.put('sub/a.txt', 'from the child', { ifMatch: (await child.head('sub/a.txt')).etag });
    expect(await (await written.get('photos/sub/a.txt')).text()).toBe('from the child');
    expect((await written.head('photos/sub/a.txt')).key).toBe('photos/sub/a.txt');
  });

  it('a folder whose name is not one this port would make is not taken for keys', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'bk-file-roots-'));
    dirs.push(outer);
    const port = fileStorage(join(outer, 'my data'));
    await port.put('k', 'v');
    // "my data" would be stored as "my%20data": a key "my data/k" maps elsewhere, so it is not listed
    expect(await keys(fileStorage(outer))).toEqual([]);
    await mkdir(join(outer, 'ok'));
    await writeFile(join(outer, 'ok', 'notes~x'), 'someone else’s file');
    expect(await keys(fileStorage(outer))).toEqual([]);
  });
});
