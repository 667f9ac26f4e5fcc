import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketkit, gnuArchives, pointName, run } from './cli-helpers.js';

describe('bucketkit datasets CLI: create, upload, ls, get, cat, range', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-ds-cli-'));
    await gnuArchives(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uploads GNU tar archives with progress and reads them back, reporting gaps', async () => {
    const url = `file://${join(dir, 'store')}`;
    expect((await bucketkit('datasets', 'create', url, 'frames')).stdout).toMatch(/created frames/);
    expect(await readFile(join(dir, 'a.tar'))).toHaveLength(10240);
    const up = await bucketkit('datasets', 'upload', url, 'frames', join(dir, 'a.tar'), '--progress');
    expect(up.stdout).toMatch(/^1\.\.5\t.*000000000001\.tar$/m);
    expect(up.stderr).toMatch(/upload .*100%/);
    await bucketkit('datasets', 'upload', url, 'frames', join(dir, 'b.tar'), '--last', '8');
    expect((await bucketkit('datasets', 'ls', url)).stdout).toMatch(
      /^frames\t2 dataranges\t8 datapoints\t1\.\.8\t/m,
    );
    expect((await bucketkit('datasets', 'ls', url, 'frames')).stdout.trim().split('\n')).toHaveLength(2);
    expect((await bucketkit('datasets', 'get', url, 'frames', '3')).stdout).toBe('datapoint 3\n');
    const cat = await bucketkit('datasets', 'cat', url, 'frames', '4', '10');
    expect(cat.stdout).toBe('datapoint 4\ndatapoint 5\ndatapoint 6\ndatapoint 7\ndatapoint 8\n');
    expect(cat.stderr).toMatch(/gap 9\.\.10/);
    const out = join(dir, 'range.tar');
    const ranged = await bucketkit('datasets', 'range', url, 'frames', '2', '7', out, '--progress');
    expect(ranged.stderr).toMatch(/download /);
    expect((await run('tar', ['-tf', out])).stdout.trim().split('\n')).toEqual([
      ...[2, 3, 4, 5].map((n) => pointName(n, 'txt')),
      ...[6, 7].map((n) => pointName(n, 'txt.gz')),
    ]);
    const usage = await bucketkit('datasets', 'get', url, 'frames').catch((e) => e);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: bucketkit datasets get URL NAME N/);
    const missing = await bucketkit('datasets', 'get', url, 'frames', '99').catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/has no datapoint 99/);
  }, 180_000);
});
