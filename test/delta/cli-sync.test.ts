import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionPair } from './edits.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, 'delta', ...args]);

describe('bucketkit delta CLI: sync', () => {
  let dir: string;
  let url: string;
  const { source: v1, target: v2 } = versionPair(200_000, 90);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-delta-cli-'));
    url = `file://${join(dir, 'store')}`;
    await writeFile(join(dir, 'app-1.zip'), v1);
    await writeFile(join(dir, 'app-2.zip'), v2);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('sync both ways with --delete, and exit codes 1 (typed error) and 2 (usage)', async () => {
    const up = join(dir, 'up');
    await mkdir(up);
    await writeFile(join(up, 'a.zip'), v1);
    await writeFile(join(up, 'b.zip'), v2);
    const first = await bucketkit('sync', url, 's', up, '--progress');
    expect(first.stdout).toMatch(/sync: 2 copied, 0 deleted, 0 unchanged/);
    // the CLI's one progress display, asked for on a pipe: files done of all to do
    expect(first.stderr).toMatch(/\rsync \[#{10}\.{10}\] 50% 1\/2 files/);
    expect(first.stderr.endsWith('\rsync [####################] 100% 2/2 files\u001b[K\n')).toBe(true);
    const again = await bucketkit('sync', url, 's', up);
    expect(again.stdout).toMatch(/sync: 0 copied, 0 deleted, 2 unchanged/);
    expect(again.stderr).toBe(''); // never on a pipe unless asked
    const down = join(dir, 'down');
    await mkdir(down);
    await writeFile(join(down, 'stale.txt'), 'x');
    const pulled = await bucketkit('sync', url, 's', down, '--download', '--delete');
    expect(pulled.stdout).toMatch(/delete: stale.txt/);
    expect(Buffer.from(await readFile(join(down, 'b.zip'))).equals(Buffer.from(v2))).toBe(true);

    const missing = await bucketkit('get', url, 's/nope.zip').catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NotFound/);
    const usage = await bucketkit('put', url).catch((e) => e);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: bucketkit delta put URL KEY FILE/);
  }, 180_000);
});
