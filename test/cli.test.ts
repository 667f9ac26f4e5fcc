import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args]);

describe('bucketkit CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('puts, lists, stats, gets and removes through a connection string', async () => {
    const url = `file://${join(dir, 'store')}`;
    await writeFile(join(dir, 'in.txt'), 'hello cli');
    expect((await bucketkit('put', url, 'docs/in.txt', join(dir, 'in.txt'))).stdout).toMatch(
      /docs\/in.txt\s+9 B\s+etag/,
    );
    expect((await bucketkit('ls', url, '--delimiter', '/')).stdout).toMatch(/PRE\s+docs\//);
    expect(JSON.parse((await bucketkit('stat', url, 'docs/in.txt')).stdout)).toMatchObject({ size: 9 });
    await bucketkit('get', url, 'docs/in.txt', join(dir, 'out.txt'));
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('hello cli');
    expect((await bucketkit('rm', url, 'docs/in.txt')).stdout).toMatch(/deleted 1/);
    expect((await bucketkit('ls', url)).stdout).toBe('');
  }, 180_000);

  it('exits 1 with the typed error message, and 2 on bad usage', async () => {
    const missing = await bucketkit('get', `file://${dir}`, 'nope').catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NotFound: no object "nope"/);
    const badUrl = await bucketkit('ls', 'ftp://x').catch((e) => e);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/InvalidUrl/);
    const usage = await bucketkit('put').catch((e) => e);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: bucketkit put URL KEY/);
  }, 180_000);
});
