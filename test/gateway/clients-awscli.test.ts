import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5Hex } from '../../src/testing/index.js';
import { requireDebian } from '../support/debian.js';
import { cleanEnv, clientFixture, run } from './clients-fixture.js';
import { ACCESS_KEY, MIB, SECRET_KEY } from './support.js';

/**
 * The Debian awscli v2 against a gateway over folders: make a bucket, upload a small file and a 20 MiB one
 * (multipart, thresholds lowered to 5-8 MiB), list, download byte-exact, sync a folder, presign a GET
 * that plain fetch follows, remove everything.
 */
describe('The Debian awscli v2 against the gateway', () => {
  const f = clientFixture();

  it('awscli v2: mb, cp (small and multipart), ls, cp down, sync, presign, s3api, rm, rb', async () => {
    requireDebian('awscli');
    const config = join(f.work, 'aws-config');
    await writeFile(
      config,
      '[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 5MB\n',
    );
    const env = {
      ...cleanEnv,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(f.work, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    const aws = async (...args: string[]) =>
      (await run('/usr/bin/aws', ['--endpoint-url', f.gw.endpoint, ...args], { env, timeout: 60_000 }))
        .stdout;
    await aws('s3', 'mb', 's3://awscli');
    await aws('s3', 'cp', f.files.small, 's3://awscli/small.txt');
    await aws('s3', 'cp', f.files.big, 's3://awscli/big.bin');
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'awscli', '--key', 'big.bin'));
    expect(head.ContentLength).toBe(20 * MIB);
    expect(head.ETag).toMatch(/-\d+"$/);
    expect(f.completed('awscli', 'big.bin')).toBe(true);
    expect(await aws('s3', 'ls', 's3://awscli/')).toMatch(/20971520 big\.bin[\s\S]*small\.txt/);
    await aws('s3', 'cp', 's3://awscli/big.bin', join(f.work, 'aws-big.out'));
    expect(md5Hex(await f.bytesOf(join(f.work, 'aws-big.out')))).toBe(md5Hex(f.big));
    await aws('s3', 'sync', f.files.dir, 's3://awscli/synced/');
    const listed = JSON.parse(
      await aws('s3api', 'list-objects-v2', '--bucket', 'awscli', '--prefix', 'synced/'),
    );
    expect(listed.Contents.map((c: { Key: string }) => c.Key).sort()).toEqual([
      'synced/one.txt',
      'synced/sub/three words.txt',
      'synced/sub/two.txt',
    ]);
    expect(await aws('s3', 'sync', f.files.dir, 's3://awscli/synced/')).toBe('');
    const url = (await aws('s3', 'presign', 's3://awscli/small.txt', '--expires-in', '60')).trim();
    expect(await (await fetch(url)).text()).toBe('small file from a client\n');
    await aws('s3', 'rm', 's3://awscli', '--recursive');
    await aws('s3', 'rb', 's3://awscli');
    expect(await f.bucketFolder('awscli')).toBe('missing');
  }, 120_000);
});
