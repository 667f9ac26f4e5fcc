/**
 * `bucketkit delta` against a bucket behind our gateway, the way DeltaGlider users call it: aws-cli-style
 * `s3://bucket/dir/name` with `--endpoint-url` and AWS_* credentials, and connection strings with a path
 * after the bucket. What it writes reads back through DeltaGlider's rules (keys relative to the bucket),
 * and what DeltaGlider wrote reads back through it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoragePort } from '../../src/storage/index.js';
import { dgGet, dgPutArchive } from './deltaglider-fixture.js';
import { versionPair } from './edits.js';
import { memoryGateway } from './memory-gateway.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const KEY = 'AKIDDELTACLI';
const SECRET = 'delta-cli-secret-0123456789';
const { source: v1, target: v2 } = versionPair(150_000, 77);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('bucketkit delta with s3:// paths and URLs with a path after the bucket', () => {
  let dir: string;
  let bucket: StoragePort;
  let endpoint: string;
  let close: () => Promise<void>;
  const bucketkit = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', cli, 'delta', ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_ENDPOINT_URL: '' },
    });
  const s3 = (...args: string[]) => bucketkit(...args, '--endpoint-url', endpoint);
  const url = (path: string) => `http://${KEY}:${SECRET}@${endpoint.slice('http://'.length)}/bucket/${path}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-delta-remote-'));
    await writeFile(join(dir, 'app-1.0.zip'), v1);
    await writeFile(join(dir, 'app-1.1.zip'), v2);
    ({ bucket, endpoint, close } = await memoryGateway(KEY, SECRET));
  });
  afterAll(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cp up through a URL with a path and through s3://, DeltaGlider reads both; cp down what DeltaGlider wrote', async () => {
    await bucketkit('cp', join(dir, 'app-1.0.zip'), url('root/web/app-1.0.zip'));
    await bucketkit('cp', join(dir, 'app-1.1.zip'), url('root/web/app-1.1.zip'));
    await s3('cp', join(dir, 'app-1.0.zip'), 's3://bucket/root/cli/app-1.0.zip');
    expect((await s3('cp', join(dir, 'app-1.1.zip'), 's3://bucket/root/cli/app-1.1.zip')).stdout).toMatch(
      /delta: \d+\.\d% of original/,
    );
    for (const folder of ['web', 'cli']) {
      const head = await bucket.head(`root/${folder}/app-1.1.zip.delta`);
      expect(head.metadata['dg-ref-key']).toBe(`root/${folder}/reference.bin`);
      expect(same(await dgGet(bucket, `root/${folder}/app-1.1.zip`), v2)).toBe(true);
    }

    await dgPutArchive(bucket, 'root/dg/app-1.0.zip', v1);
    await dgPutArchive(bucket, 'root/dg/app-1.1.zip', v2);
    await s3('cp', 's3://bucket/root/dg/app-1.1.zip', join(dir, 'from-s3.zip'));
    expect(same(await readFile(join(dir, 'from-s3.zip')), v2)).toBe(true);
    await bucketkit('cp', url('root/dg/app-1.0.zip'), join(dir, 'from-url.zip'));
    expect(same(await readFile(join(dir, 'from-url.zip')), v1)).toBe(true);
    expect(JSON.parse((await s3('verify', 's3://bucket/root/dg/app-1.1.zip')).stdout)).toMatchObject({
      valid: true,
      checked: true,
    });
  }, 180_000);

  it('ls and stats recurse over every DeltaSpace below; rm takes s3:// paths; sync DIR s3://… and back', async () => {
    const listed = (await s3('ls', 's3://bucket/root/')).stdout.trim().split('\n');
    expect(listed.map((line) => line.split(/\s+/).at(-1))).toEqual([
      'cli/app-1.0.zip',
      'cli/app-1.1.zip',
      'dg/app-1.0.zip',
      'dg/app-1.1.zip',
      'web/app-1.0.zip',
      'web/app-1.1.zip',
    ]);
    const stats = JSON.parse((await bucketkit('stats', url('root'), '--json')).stdout);
    expect(stats).toMatchObject({
      files: 6,
      deltas: 6,
      spaces: 3,
      originalBytes: 3 * (v1.length + v2.length),
    });
    expect(stats.storedBytes).toBeLessThan(stats.originalBytes / 1.5);

    expect(
      (await s3('rm', 's3://bucket/root/web/app-1.0.zip', 's3://bucket/root/web/app-1.1.zip')).stdout,
    ).toMatch(/delete: s3:\/\/bucket\/root\/web\/app-1\.1\.zip/);
    await expect(bucket.head('root/web/reference.bin')).rejects.toMatchObject({ code: 'NotFound' });

    const up = join(dir, 'up');
    await mkdir(up);
    await writeFile(join(up, 'app-1.0.zip'), v1);
    await writeFile(join(up, 'app-1.1.zip'), v2);
    expect((await s3('sync', up, 's3://bucket/root/synced/')).stdout).toMatch(/sync: 2 copied/);
    expect((await bucket.head('root/synced/app-1.1.zip.delta')).metadata['dg-ref-key']).toBe(
      'root/synced/reference.bin',
    );
    const down = join(dir, 'down');
    expect((await bucketkit('sync', url('root/dg'), down)).stdout).toMatch(/sync: 2 copied/);
    expect(same(await readFile(join(down, 'app-1.1.zip')), v2)).toBe(true);
  }, 180_000);
});
