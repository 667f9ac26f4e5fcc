/**
 * `bucketkit serve --delta`: the DeltaGlider proxy from the command line. The Debian aws-cli puts and
 * gets versioned archives through it; behind it sits DeltaGlider's layout, which DeltaGlider's rules
 * read back (keys relative to the bucket, also when the storage URL has a path after the bucket).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { dgGet } from '../delta/deltaglider-fixture.js';
import { versionPair } from '../delta/edits.js';
import { requireDebian } from '../support/debian.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { cleanEnv, run } from './clients-fixture.js';
import { type Served, serve } from './serve-process.js';

const { source: v1, target: v2 } = versionPair(150_000, 40);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const KEYS = ['--access-key', 'AKIDSERVEDELTA', '--secret-key', 'serve-delta-secret'];

describe('bucketkit serve --delta with the aws-cli', () => {
  let dir: string;
  let server: S3Server;
  const served: Served[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-serve-delta-'));
    await writeFile(join(dir, 'app-1.0.zip'), v1);
    await writeFile(join(dir, 'app-1.1.zip'), v2);
    await writeFile(join(dir, 'aws-config'), '[default]\nregion = us-east-1\n');
    server = await startS3rver('weak');
  });
  afterAll(async () => {
    for (const s of served) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (args: string[], env: Record<string, string> = {}) => {
    const s = await serve([...args, '--port', '0', ...KEYS, '--delta'], env);
    served.push(s);
    return s;
  };
  const awsFor =
    (s: Served) =>
    async (...args: string[]) => {
      requireDebian('awscli');
      const env = {
        ...cleanEnv,
        AWS_ACCESS_KEY_ID: 'AKIDSERVEDELTA',
        AWS_SECRET_ACCESS_KEY: 'serve-delta-secret',
        AWS_CONFIG_FILE: join(dir, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      };
      const endpoint = s.fields.endpoint as string;
      return (await run('/usr/bin/aws', ['--endpoint-url', endpoint, ...args], { env, timeout: 60_000 }))
        .stdout;
    };

  it('over a folder: aws s3 cp stores deltas DeltaGlider reads, ls shows original sizes, cp back is exact', async () => {
    const data = join(dir, 'data');
    const aws = awsFor(await start(['--storage', `file://${data}`]));
    await aws('s3', 'mb', 's3://releases');
    await aws('s3', 'cp', join(dir, 'app-1.0.zip'), 's3://releases/app/app-1.0.zip');
    await aws('s3', 'cp', join(dir, 'app-1.1.zip'), 's3://releases/app/app-1.1.zip');
    expect(await aws('s3', 'ls', 's3://releases/app/')).toMatch(
      new RegExp(`${v1.length} app-1\\.0\\.zip\\n.*${v2.length} app-1\\.1\\.zip`),
    );
    await aws('s3', 'cp', 's3://releases/app/app-1.1.zip', join(dir, 'back.zip'));
    expect(same(await readFile(join(dir, 'back.zip')), v2)).toBe(true);

    const bucket = fileStorage(join(data, 'releases'), { durable: false });
    const keys: string[] = [];
    for await (const entry of bucket.list({ prefix: 'app/' }))
      if (entry.type === 'object') keys.push(entry.key);
    expect(keys.sort()).toEqual(['app/app-1.0.zip.delta', 'app/app-1.1.zip.delta', 'app/reference.bin']);
    expect((await bucket.head('app/app-1.1.zip.delta')).size).toBeLessThan(v2.length / 4);
    expect(same(await dgGet(bucket, 'app/app-1.1.zip'), v2)).toBe(true);
  }, 120_000);

  it('over s3rver with a path after the bucket: refused without --single-writer, stored with it (one warning)', async () => {
    const storage = `s3://weak/root?endpoint=${encodeURIComponent(server.endpoint)}`;
    const env = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    const refused = awsFor(await start(['--storage', storage, '--bucket', 'data'], env));
    await expect(
      refused('s3', 'cp', join(dir, 'app-1.0.zip'), 's3://data/app/app-1.0.zip'),
    ).rejects.toThrow();

    const weak = await start(['--storage', storage, '--bucket', 'data', '--single-writer'], env);
    const aws = awsFor(weak);
    await aws('s3', 'cp', join(dir, 'app-1.0.zip'), 's3://data/app/app-1.0.zip');
    await aws('s3', 'cp', join(dir, 'app-1.1.zip'), 's3://data/app/app-1.1.zip');
    await aws('s3', 'cp', 's3://data/app/app-1.1.zip', join(dir, 'weak-back.zip'));
    expect(same(await readFile(join(dir, 'weak-back.zip')), v2)).toBe(true);
    expect(weak.stderr().match(/warning: creating reference\.bin without a create-only write/g)).toHaveLength(
      1,
    );

    const bucket: StoragePort = s3Storage({
      bucket: 'weak',
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      expect((await bucket.head('root/app/app-1.1.zip.delta')).metadata['dg-ref-key']).toBe(
        'root/app/reference.bin',
      );
      expect(same(await dgGet(bucket, 'root/app/app-1.1.zip'), v2)).toBe(true);
    } finally {
      await bucket.close?.();
    }
  }, 120_000);
});
