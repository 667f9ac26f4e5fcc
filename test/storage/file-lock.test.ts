import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, linkSync, openSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage } from '../../src/index.js';
import { claimPrefix } from '../../src/storage/file/lock-takeover.js';

const worker = join(import.meta.dirname, 'fixtures', 'file-worker.ts');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function run(root: string, mode: string, tag: string): Promise<unknown> {
  return runScript(worker, [root, mode, tag]);
}

function runScript(script: string, args: string[]): Promise<unknown> {
  const child: ChildProcess = fork(script, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { result?: unknown; error?: string } | string) => {
      if (typeof m === 'string') return;
      if (m.error) reject(new Error(m.error));
      else resolve(m.result);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

/**
 * Plants a crashed writer's lock (an empty lock file a minute old) whenever the key is free, until
 * stopped: every waiter then sees a stale lock at once, and all of them try to break it.
 */
function plantStaleLocks(lock: string): { stop: () => Promise<number> } {
  let planted = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        closeSync(openSync(lock, 'wx'));
        const old = new Date(Date.now() - 60_000 - planted);
        utimesSync(lock, old, old);
        planted++;
      } catch {
        // held by a writer right now
      }
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return planted;
    },
  };
}

describe('file adapter: breaking a stale lock (issue 14, finding 3)', () => {
  it('8 processes × 3 contenders taking one lock while crashed writers’ locks are planted: never two holders at once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-lock-'));
    dirs.push(root);
    const lock = join(root, 'k~l');
    const planter = plantStaleLocks(lock);
    const script = join(import.meta.dirname, 'fixtures', 'lock-worker.ts');
    const overlaps = await Promise.all(
      Array.from({ length: 8 }, () => runScript(script, [lock, join(root, 'inside'), '60'])),
    );
    const planted = await planter.stop();
    expect(planted).toBeGreaterThan(20);
    expect(overlaps).toEqual(Array(8).fill(0));
  }, 180_000);

  it('a stale lock another waiter is taking over right now (its claim is fresh) is left to that waiter', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-lock-'));
    dirs.push(root);
    const port = fileStorage(root);
    await port.put('k', 'v1');
    const lock = join(root, 'k~l');
    closeSync(openSync(lock, 'wx'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    // the claim a taker makes first: a hard link named after the lock file's inode and mtime
    const seen = statSync(lock, { bigint: true });
    linkSync(lock, `${claimPrefix(lock, seen)}0`);
    const err = await port.put('k', 'v2', { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Aborted'), String(err)).toBe(true);
    expect(statSync(lock, { bigint: true }).ino).toBe(seen.ino);
    // the taker finishes (removes the lock, then its claim): the next writer goes in
    unlinkSync(lock);
    unlinkSync(`${claimPrefix(lock, seen)}0`);
    await port.put('k', 'v2');
    expect(await (await port.get('k')).text()).toBe('v2');
    expect(await readdir(root)).toEqual(['k~']);
  });

  it('6 processes × 40 compare-and-swap increments with crashed writers’ locks planted throughout: no lost or duplicated update', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-lock-'));
    dirs.push(root);
    const port = fileStorage(root);
    await port.put('counter', '0');
    const planter = plantStaleLocks(join(root, 'counter~l'));
    const results = await Promise.all(Array.from({ length: 6 }, () => run(root, 'increment-log', '40')));
    const planted = await planter.stop();
    const wrote = (results as number[][]).flat().sort((a, b) => a - b);
    expect(planted).toBeGreaterThan(10);
    // every value written exactly once: a duplicate is two writers in the critical section at once
    expect(wrote).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    // the last planted lock is the only thing besides the record (a later writer breaks it)
    await port.put('counter', 'done');
    expect(await (await port.get('counter')).text()).toBe('done');
    expect(await readdir(root)).toEqual(['counter~']);
  }, 180_000);
});
