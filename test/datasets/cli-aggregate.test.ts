import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketkit, gnuArchives } from './cli-helpers.js';

describe('bucketkit datasets CLI: aggregate, optimize, gc, import, rm', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-ds-cli-'));
    await gnuArchives(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('aggregates with progress, plans with --dry-run, refuses rm of a non-empty dataset', async () => {
    const url = `file://${join(dir, 'store')}`;
    await bucketkit('datasets', 'create', url, 'frames');
    await bucketkit('datasets', 'upload', url, 'frames', join(dir, 'a.tar'));
    await bucketkit('datasets', 'upload', url, 'frames', join(dir, 'b.tar'));
    expect((await bucketkit('datasets', 'optimize', url, 'frames', '--dry-run')).stdout).toMatch(
      /would aggregate 1\.\.8\t2 dataranges/,
    );
    const agg = await bucketkit('datasets', 'aggregate', url, 'frames', '1', '8', '--progress');
    expect(agg.stdout).toMatch(/^1\.\.8\t.*from 2 dataranges/m);
    expect(agg.stderr).toMatch(/aggregate .*100%/);
    expect((await bucketkit('datasets', 'get', url, 'frames', '5')).stdout).toBe('datapoint 5\n');
    expect((await bucketkit('datasets', 'optimize', url, 'frames')).stdout).toMatch(/nothing to aggregate/);
    expect((await bucketkit('datasets', 'gc', url, 'frames')).stdout).toMatch(/0 expired reservations/);
    const refused = await bucketkit('datasets', 'rm', url, 'frames').catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/still has 1 dataranges/);
  }, 180_000);

  it('imports dataranges whose manifest was lost', async () => {
    const url = `file://${join(dir, 'other')}`;
    await bucketkit('datasets', 'create', url, 'old');
    await bucketkit('datasets', 'upload', url, 'old', join(dir, 'a.tar'));
    await bucketkit('rm', url, 'datas3t/old/manifest.json');
    expect((await bucketkit('datasets', 'import', url)).stdout).toMatch(
      /^old\timported 1\talready known 0$/m,
    );
    expect((await bucketkit('datasets', 'get', url, 'old', '5')).stdout).toBe('datapoint 5\n');
  }, 180_000);
});
