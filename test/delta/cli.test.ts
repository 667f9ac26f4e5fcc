import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionPair } from './edits.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, 'delta', ...args]);

describe('bucketkit delta CLI: put, ls, get, stats, verify, rm', () => {
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

  it('put, ls, get, stats, verify, rm', async () => {
    expect((await bucketkit('put', url, 'rel/app-1.zip', join(dir, 'app-1.zip'))).stdout).toMatch(
      /upload: .*app-1\.zip to rel\/app-1\.zip\.delta .*new reference/,
    );
    expect((await bucketkit('put', url, 'rel/app-2.zip', join(dir, 'app-2.zip'))).stdout).toMatch(
      /to rel\/app-2\.zip\.delta .*delta: \d+\.\d% of original/,
    );
    const ls = (await bucketkit('ls', url, 'rel')).stdout.trim().split('\n');
    expect(ls).toHaveLength(2);
    expect(ls[1]).toMatch(/KiB\s+.*delta\s+app-2\.zip$/);
    await bucketkit('get', url, 'rel/app-2.zip', join(dir, 'out.zip'));
    expect(Buffer.from(await readFile(join(dir, 'out.zip'))).equals(Buffer.from(v2))).toBe(true);
    const stats = JSON.parse((await bucketkit('stats', url, 'rel', '--json')).stdout);
    expect(stats).toMatchObject({ files: 2, deltas: 2, originalBytes: v1.length + v2.length });
    expect(stats.ratio).toBeLessThan(0.6);
    expect(JSON.parse((await bucketkit('verify', url, 'rel/app-2.zip')).stdout)).toMatchObject({
      valid: true,
      checked: true,
      size: v2.length,
    });
    expect((await bucketkit('rm', url, 'rel/app-1.zip', 'rel/app-2.zip')).stdout).toMatch(
      /delete: rel\/app-2.zip/,
    );
    expect((await bucketkit('ls', url, 'rel')).stdout).toBe('');
  }, 180_000);

  it('cp uploads and downloads with aws-cli-style paths (the folder of the URL is the DeltaSpace)', async () => {
    const remote = (name: string) => `file://${join(dir, 'cp-store', 'releases', name)}`;
    expect((await bucketkit('cp', join(dir, 'app-1.zip'), remote('app-1.zip'))).stdout).toMatch(
      /upload: .*app-1\.zip to app-1\.zip\.delta .*new reference/,
    );
    expect((await bucketkit('cp', join(dir, 'app-2.zip'), remote('app-2.zip'))).stdout).toMatch(/delta: /);
    await bucketkit('cp', remote('app-2.zip'), join(dir, 'cp-out.zip'));
    expect(Buffer.from(await readFile(join(dir, 'cp-out.zip'))).equals(Buffer.from(v2))).toBe(true);
    const listed = (await bucketkit('ls', `file://${join(dir, 'cp-store', 'releases')}`)).stdout;
    expect(listed).toMatch(/delta\s+app-2\.zip/);
    await expect(bucketkit('cp', join(dir, 'app-1.zip'), join(dir, 'x.zip'))).rejects.toMatchObject({
      code: 2,
    });
  }, 180_000);

  it('cp of a file over 8 MiB with --progress on a pipe: one line going 0 → 100 % as the delta is made', async () => {
    const size = 9 * 1024 * 1024; // the encoder's windows are 8 MiB: two of them
    await writeFile(join(dir, 'big.zip'), new Uint8Array(size).fill(7));
    const remote = `file://${join(dir, 'progress-store', 'releases', 'big.zip')}`;
    const { stdout, stderr } = await bucketkit('cp', join(dir, 'big.zip'), remote, '--progress');
    expect(stdout).toMatch(/upload: .*big\.zip to big\.zip\.delta .*new reference/);
    const percents = [...stderr.matchAll(/\rupload \[[#.]{20}\] (\d+)% /g)].map((m) => Number(m[1]));
    expect(percents[0]).toBe(0);
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(percents.every((p, i) => i === 0 || p >= (percents[i - 1] as number))).toBe(true);
    expect(stderr).toMatch(/\rupload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB [\d.]+ (B|KiB|MiB|GiB)\/s.*\n$/);
  }, 180_000);
});
