import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage, memoryStorage } from '../../src/index.js';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';

const worker = join(import.meta.dirname, 'fixtures', 'file-worker.ts');
const dirs: string[] = [];

async function sandbox(): Promise<{ outer: string; root: string }> {
  const outer = await mkdtemp(join(tmpdir(), 'bk-file-adapter-'));
  dirs.push(outer);
  const root = join(outer, 'root');
  await mkdir(root);
  return { outer, root };
}

function spawnWorker(root: string, mode: string, tag = 'w'): ChildProcess {
  return fork(worker, [root, mode, tag], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function resultOf(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.on('message', (m: { result?: unknown; error?: string } | string) => {
      if (typeof m === 'string') return;
      if (m.error) reject(new Error(m.error));
      else resolve(m.result);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('file adapter across processes', () => {
  it('two processes racing 10 create-only writers each: exactly one write wins', async () => {
    const { root } = await sandbox();
    const wins = await Promise.all([
      resultOf(spawnWorker(root, 'create', 'a')),
      resultOf(spawnWorker(root, 'create', 'b')),
    ]);
    expect((wins as number[]).reduce((a, b) => a + b, 0)).toBe(1);
    expect(await (await fileStorage(root).get('race')).text()).toMatch(/^[ab]-\d$/);
  }, 60_000);

  it('two processes doing 10 compare-and-swap increments each reach exactly 20', async () => {
    const { root } = await sandbox();
    await fileStorage(root).put('counter', '0');
    await Promise.all([resultOf(spawnWorker(root, 'increment')), resultOf(spawnWorker(root, 'increment'))]);
    expect(await (await fileStorage(root).get('counter')).text()).toBe('20');
  }, 60_000);

  it('a writer killed mid-body leaves the previous object intact and no torn object', async () => {
    const { root } = await sandbox();
    const port = fileStorage(root);
    await port.put('victim', 'the old value');
    const child = spawnWorker(root, 'slow-write');
    await new Promise<void>((resolve) => {
      let chunks = 0;
      child.on('message', (m) => {
        if (m === 'chunk' && ++chunks === 20) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await (await port.get('victim')).text()).toBe('the old value');
    const listed = [];
    for await (const entry of port.list()) listed.push(entry);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ key: 'victim', size: 13 });
  }, 60_000);
});

describe('file adapter paths', () => {
  it('never writes outside its root, whatever the key', async () => {
    const { outer, root } = await sandbox();
    const port = fileStorage(root);
    const keys = [
      '..',
      '../outside',
      '../../etc/passwd',
      '/absolute',
      'a/../../../x',
      'nul\u0000inside',
      '\\..\\windows',
      'x'.repeat(1024),
      'ж'.repeat(512),
      `${'d/'.repeat(511)}e`,
      '~',
      '.',
    ];
    for (const key of keys) await port.put(key, key.slice(0, 8));
    expect(await readdir(outer)).toEqual(['root']);
    for (const key of keys) expect(await (await port.get(key)).text()).toBe(key.slice(0, 8));
    const listed: string[] = [];
    for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
    expect(listed.sort()).toEqual([...keys].sort());
  });

  it('a damaged object record is a typed Corrupt error, and foreign files are ignored by list', async () => {
    const { root } = await sandbox();
    const port = fileStorage(root);
    await port.put('good', 'g');
    await port.put('bad', 'b');
    await writeFile(join(root, 'bad~'), '{"v":1,"key":"bad"');
    await writeFile(join(root, 'notes.txt'), 'a file someone dropped here');
    const err = await port.get('bad').catch((e) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    expect(err.message).toMatch(/restore it or delete the key/);
    await port.delete('bad');
    const listed = [];
    for await (const entry of port.list()) listed.push(entry);
    expect(listed.map((e) => (e.type === 'object' ? e.key : e.prefix))).toEqual(['good']);
  });
});

describe('file adapter locks', () => {
  it('a lock left by a crashed writer (a file, or an older version’s directory) is broken once stale', async () => {
    const { root } = await sandbox();
    const port = fileStorage(root);
    await port.put('a', 'v1');
    await port.put('b', 'v1');
    const old = new Date(Date.now() - 60_000);
    await writeFile(join(root, 'a~l'), '{"half":'); // a writer died after creating its lock file
    await utimes(join(root, 'a~l'), old, old);
    await mkdir(join(root, 'b~l')); // the lock of an earlier 0.1 build
    await utimes(join(root, 'b~l'), old, old);
    await port.put('a', 'v2', { ifMatch: (await port.head('a')).etag });
    await port.put('b', 'v2');
    expect(await (await port.get('a')).text()).toBe('v2');
    expect(await (await port.get('b')).text()).toBe('v2');
    expect((await readdir(root)).sort()).toEqual(['a~', 'b~']);
    const listed: string[] = [];
    for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
    expect(listed).toEqual(['a', 'b']);
  });

  it('a fresh lock is waited on, not broken: the write waits until aborted, and the object is unchanged', async () => {
    const { root } = await sandbox();
    const port = fileStorage(root);
    await port.put('k', 'v1');
    await writeFile(join(root, 'k~l'), ''); // another writer holds the key right now
    const err = await port.put('k', 'v2', { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Aborted'), String(err)).toBe(true);
    expect(await (await port.get('k')).text()).toBe('v1');
  });
});

describe("file and memory adapters with etag: 'any'", () => {
  it('skip the MD5: the ETag is a fresh token per write; the default stays the MD5 of the bytes', async () => {
    const { root } = await sandbox();
    for (const port of [fileStorage(root), memoryStorage()]) {
      // inline-sized, a small file, and a large streamed one
      for (const size of [100, 40_000, 3_000_000]) {
        const bytes = pseudoRandomBytes(size, size);
        const md5 = md5Hex(bytes);
        expect((await port.put(`plain/${size}`, bytes)).etag).toBe(md5);
        const first = await port.put(`any/${size}`, bytes, { etag: 'any' });
        const again = await port.put(`any/${size}`, bytes, { etag: 'any' });
        expect(first.etag).not.toBe(md5);
        expect(again.etag).not.toBe(first.etag);
        // (md5Hex rather than toEqual: vitest compares a 3 MB array element by element, for seconds)
        expect(md5Hex(await (await port.get(`any/${size}`)).bytes())).toBe(md5);
      }
    }
  });
});
