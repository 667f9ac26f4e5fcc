import { linkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage, type SweepReport } from '../../src/index.js';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Every file and folder under `dir`, relative to it. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

const twoHoursAgo = () => new Date(Date.now() - 2 * 60 * 60 * 1000);
async function age(path: string): Promise<void> {
  const old = twoHoursAgo();
  await utimes(path, old, old);
}

describe('file adapter sweep (issue 14, deliver 3)', () => {
  it('removes what crashes left while writers run, never a live object; reports counts and bytes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-sweep-'));
    dirs.push(root);
    const port = fileStorage(root, { durable: false });
    const grace = 8_000;

    // live objects whose files sit next to the leftovers
    await port.put('live', pseudoRandomBytes(40_000, 1));
    await port.put('live2', 'small');
    // an object written long ago (its data file as old as the leftovers), and a copy of it made
    // while the sweeps run (a hard link to that old file)
    await port.put('old/big', pseudoRandomBytes(70_000, 2));
    for (const name of await readdir(join(root, 'old'))) await age(join(root, 'old', name));
    await port.put('gone/kept', 'kept');
    await port.delete('gone/kept');
    // leftovers, as crashes leave them (aged past the grace period)
    const planted: Array<[string, number]> = [
      ['live~dfeedc0ffee1', 5_000], // a data file whose record never came (the key already had one)
      ['gone/x~dfeedc0ffee2', 7_000], // a data file of a key that never got a record
      ['t~tfeed', 300], // a temp file of an earlier build
      ['stale~l', 120], // a new key's writer died holding its lock
      ['live2~l', 0], // a writer of an existing key died holding its lock
    ];
    for (const [name, size] of planted) {
      await writeFile(join(root, name), pseudoRandomBytes(size, size));
      await age(join(root, name));
    }
    await mkdir(join(root, 'old~l')); // an older version's lock directory
    await age(join(root, 'old~l'));
    await mkdir(join(root, 'empty/a/b'), { recursive: true });
    for (const folder of ['empty/a/b', 'empty/a', 'empty']) await age(join(root, folder));
    // a claim left by a process that died after taking over the lock `c~l` and removing it
    await writeFile(join(root, 'c~l'), '');
    linkSync(join(root, 'c~l'), join(root, 'c~c1.2.0'));
    await rm(join(root, 'c~l'));
    await age(join(root, 'gone'));
    const plantedAt = Date.now();

    // writers: overwrites of inline, small-file and streamed sizes, copies and deletes, in flight
    // all the time the sweeps run
    const last = new Map<string, string>();
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; writing || i < 30; i++) {
        const key = `w${w}/k${i % 7}`;
        const bytes = pseudoRandomBytes([100, 20_000, 300_000][i % 3]!, w * 1000 + i);
        await port.put(key, bytes);
        last.set(key, md5Hex(bytes));
        if (i % 5 === 4) {
          await port.copy(key, `copies/w${w}/${i % 3}`);
          last.set(`copies/w${w}/${i % 3}`, md5Hex(bytes));
        }
        if (i % 11 === 10) {
          await port.delete(`w${w}/k${(i + 1) % 7}`);
          last.delete(`w${w}/k${(i + 1) % 7}`);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    writers.push(
      (async () => {
        await new Promise((r) => setTimeout(r, grace));
        await port.copy('old/big', 'old/copy');
      })(),
    );
    // the claim counts as untouched once the grace period has passed since it was made
    await new Promise((r) => setTimeout(r, Math.max(0, plantedAt + grace + 500 - Date.now())));
    const total: SweepReport = { dataFiles: 0, tempFiles: 0, locks: 0, claims: 0, folders: 0, bytes: 0 };
    for (let sweep = 0; sweep < 4; sweep++) {
      const report = await port.sweep({ olderThan: grace });
      for (const field of Object.keys(total) as Array<keyof SweepReport>) total[field] += report[field];
    }
    writing = false;
    await Promise.all(writers);

    expect(total).toEqual({
      dataFiles: 2,
      tempFiles: 1,
      locks: 3,
      claims: 1,
      folders: 4, // empty/a/b, empty/a, empty, and gone once its orphan went
      bytes: 5_000 + 7_000 + 300 + 120,
    });
    // every object reads byte-exact, the leftovers are gone, the live ones are all still there
    expect(await (await port.get('live')).bytes()).toEqual(pseudoRandomBytes(40_000, 1));
    for (const key of ['old/big', 'old/copy'])
      expect(md5Hex(await (await port.get(key)).bytes())).toBe(md5Hex(pseudoRandomBytes(70_000, 2)));
    await port.put('live2', 'after'); // its dead writer's lock no longer blocks
    expect(await (await port.get('live2')).text()).toBe('after');
    for (const [key, md5] of last) expect(md5Hex(await (await port.get(key)).bytes()), key).toBe(md5);
    const listed: string[] = [];
    for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
    expect(listed.sort()).toEqual(['live', 'live2', 'old/big', 'old/copy', ...last.keys()].sort());
    const left = (await tree(root)).filter((p) => !/^(w\d|copies|old)/.test(p));
    expect(left).toEqual(['live2~', 'live~', expect.stringMatching(/^live~d/)]);
    // a second sweep finds nothing more (the writers' own files are all live)
    expect(await port.sweep({ olderThan: 0 })).toMatchObject({ dataFiles: 0, tempFiles: 0, locks: 0 });
    for (const [key, md5] of last) expect(md5Hex(await (await port.get(key)).bytes()), key).toBe(md5);
  }, 120_000);

  it('leaves young leftovers alone (the grace period protects writes in flight)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-sweep-'));
    dirs.push(root);
    const port = fileStorage(root);
    await writeFile(join(root, 'a~dfeed'), 'in flight');
    await mkdir(join(root, 'fresh'));
    expect(await port.sweep()).toEqual({
      dataFiles: 0,
      tempFiles: 0,
      locks: 0,
      claims: 0,
      folders: 0,
      bytes: 0,
    });
    expect((await stat(join(root, 'a~dfeed'))).size).toBe(9);
    expect(await tree(root)).toEqual(['a~dfeed', 'fresh']);
  });
});
