import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../../support/debian.js';
import { awsCliEnv, run } from '../clients-fixture.js';
import { BOB, CUSTOMER_KEY, DENIED, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, Debian's awscli v2 (issue #19 item 7): a second user denied by the ACL, then
 * allowed by a grant (`put-object-acl --grant-read`); a bucket policy (`put-bucket-policy`) allowing
 * and denying; and PUT, HEAD, GET and copy under SSE-S3 (`--sse AES256`), SSE-KMS with a configured key
 * id and SSE-C (`--sse-c`), with the bytes at rest checked. Files above 8 MiB go in parts by
 * themselves, in every mode. awscli 2.9 leaves the customer key out of CompleteMultipartUpload, as
 * S3 allows: the gateway joins the sealed parts without it.
 */
const m = matrixGateway();

describe('awscli v2 × users, ACLs, a policy and every SSE mode', () => {
  const aws = async (as: 'alice' | 'bob', ...args: string[]) => {
    const env = {
      ...awsCliEnv(m.work),
      ...(as === 'bob'
        ? { AWS_ACCESS_KEY_ID: BOB.accessKeyId, AWS_SECRET_ACCESS_KEY: BOB.secretAccessKey }
        : {}),
    };
    return (await run('/usr/bin/aws', ['--endpoint-url', m.gw.endpoint, ...args], { env, timeout: 120_000 }))
      .stdout;
  };
  const head = async (key: string, ...extra: string[]) =>
    JSON.parse(
      await aws('alice', 's3api', 'head-object', '--bucket', 'awsm', '--key', key, ...extra),
    ) as Record<string, unknown>;

  it('users and ACLs: bob is refused, then reads after a grant by id', async () => {
    requireDebian('awscli');
    const small = await m.file('aws-acl.txt', 2000, 'AWS-ACL-');
    await aws('alice', 's3', 'mb', 's3://awsm');
    await aws('alice', 's3', 'cp', small.path, 's3://awsm/acl.txt');
    await expect(aws('bob', 's3', 'cp', 's3://awsm/acl.txt', join(m.work, 'bob.out'))).rejects.toThrow(
      DENIED,
    );
    await aws(
      'alice',
      's3api',
      'put-object-acl',
      '--bucket',
      'awsm',
      '--key',
      'acl.txt',
      '--grant-read',
      'id=bob',
    );
    const acl = JSON.parse(
      await aws('alice', 's3api', 'get-object-acl', '--bucket', 'awsm', '--key', 'acl.txt'),
    );
    expect(acl.Grants).toContainEqual({
      Grantee: expect.objectContaining({ ID: 'bob', Type: 'CanonicalUser' }),
      Permission: 'READ',
    });
    await aws('bob', 's3', 'cp', 's3://awsm/acl.txt', join(m.work, 'bob.out'));
    expect((await readFile(join(m.work, 'bob.out'))).equals(small.bytes)).toBe(true);
  }, 240_000);

  it('a bucket policy: bob may write to inbox/ once it is set; its Deny stops even the owner', async () => {
    requireDebian('awscli');
    const small = await m.file('aws-pol.txt', 500, 'AWS-POL-');
    await expect(aws('bob', 's3', 'cp', small.path, 's3://awsm/inbox/b.txt')).rejects.toThrow(DENIED);
    await aws('alice', 's3api', 'put-bucket-policy', '--bucket', 'awsm', '--policy', matrixPolicy('awsm'));
    await aws('bob', 's3', 'cp', small.path, 's3://awsm/inbox/b.txt');
    await aws('alice', 's3', 'cp', small.path, 's3://awsm/sealed/s.txt');
    await expect(aws('alice', 's3', 'cp', 's3://awsm/sealed/s.txt', join(m.work, 'x.out'))).rejects.toThrow(
      DENIED,
    );
    await aws('alice', 's3api', 'delete-bucket-policy', '--bucket', 'awsm');
  }, 240_000);

  it('SSE-S3 and SSE-KMS: PUT, HEAD, GET, copy, and a 9 MiB file in parts — sealed at rest', async () => {
    requireDebian('awscli');
    const modes = [
      ['s3', ['--sse', 'AES256'], { ServerSideEncryption: 'AES256' }],
      [
        'kms',
        ['--sse', 'aws:kms', '--sse-kms-key-id', KMS_KEY],
        { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY },
      ],
    ] as const;
    for (const [name, flags, expected] of modes) {
      const small = await m.file(`aws-${name}.txt`, 3000, `AWS-${name}-SMALL-`);
      const big = await m.file(`aws-${name}.bin`, 9 * 1024 * 1024, `AWS-${name}-BIG-`);
      await aws('alice', 's3', 'cp', ...flags, small.path, `s3://awsm/${name}.txt`);
      await aws('alice', 's3', 'cp', ...flags, big.path, `s3://awsm/${name}.bin`);
      await aws('alice', 's3', 'cp', ...flags, `s3://awsm/${name}.txt`, `s3://awsm/${name}-copy.txt`);
      for (const key of [`${name}.txt`, `${name}-copy.txt`, `${name}.bin`]) {
        expect(await head(key), key).toMatchObject(expected);
      }
      expect((await head(`${name}.bin`)).ETag).toMatch(/-2"$/);
      for (const [key, file] of [
        [`${name}-copy.txt`, small],
        [`${name}.bin`, big],
      ] as const) {
        await aws('alice', 's3', 'cp', `s3://awsm/${key}`, join(m.work, 'back'));
        expect((await readFile(join(m.work, 'back'))).equals(file.bytes), key).toBe(true);
      }
      expect(await m.atRest('awsm', `AWS-${name}-SMALL-`)).toBe(false);
      expect(await m.atRest('awsm', `AWS-${name}-BIG-`)).toBe(false);
    }
    expect(m.served(/^POST \/awsm\/kms\.bin\?uploads(=|&|\s)/)).toHaveLength(1);
  }, 240_000);

  it('SSE-C: PUT, HEAD and GET with the key, copy re-keyed; without the key GET and HEAD are refused', async () => {
    requireDebian('awscli');
    const small = await m.file('aws-c.txt', 3000, 'AWS-SSEC-SMALL-');
    const key = ['--sse-c', 'AES256', '--sse-c-key', CUSTOMER_KEY];
    const apiKey = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', CUSTOMER_KEY];
    await aws('alice', 's3', 'cp', ...key, small.path, 's3://awsm/c.txt');
    expect(await head('c.txt', ...apiKey)).toMatchObject({
      SSECustomerAlgorithm: 'AES256',
      ContentLength: 3000,
    });
    await expect(head('c.txt')).rejects.toThrow(/400|Bad Request/);
    await expect(
      aws('alice', 's3api', 'get-object', '--bucket', 'awsm', '--key', 'c.txt', join(m.work, 'nokey')),
    ).rejects.toThrow(/400|Bad Request|InvalidRequest/);
    const copy = ['--sse-c-copy-source', 'AES256', '--sse-c-copy-source-key', CUSTOMER_KEY];
    await aws('alice', 's3', 'cp', ...copy, '--sse', 'AES256', 's3://awsm/c.txt', 's3://awsm/c-as-s3.txt');
    expect(await head('c-as-s3.txt')).toMatchObject({ ServerSideEncryption: 'AES256' });
    await aws('alice', 's3', 'cp', ...key, 's3://awsm/c.txt', join(m.work, 'c.back'));
    expect((await readFile(join(m.work, 'c.back'))).equals(small.bytes)).toBe(true);
    await aws('alice', 's3', 'cp', 's3://awsm/c-as-s3.txt', join(m.work, 'c2.back'));
    expect((await readFile(join(m.work, 'c2.back'))).equals(small.bytes)).toBe(true);
    expect(await m.atRest('awsm', 'AWS-SSEC-SMALL-')).toBe(false);
  }, 240_000);

  it('SSE-C in parts: a 9 MiB file goes up in parts (the key on every part, none on Complete), reads back only with the key', async () => {
    requireDebian('awscli');
    const big = await m.file('aws-c.bin', 9 * 1024 * 1024, 'AWS-SSEC-BIG-');
    const key = ['--sse-c', 'AES256', '--sse-c-key', CUSTOMER_KEY];
    await aws('alice', 's3', 'cp', ...key, big.path, 's3://awsm/c.bin');
    expect(m.served(/^POST \/awsm\/c\.bin\?uploads(=|&|\s)/)).toHaveLength(1);
    expect(m.served(/^PUT \/awsm\/c\.bin\?.*partNumber=.* 200$/)).toHaveLength(2);
    const apiKey = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', CUSTOMER_KEY];
    expect(await head('c.bin', ...apiKey)).toMatchObject({
      SSECustomerAlgorithm: 'AES256',
      ContentLength: big.bytes.length,
      ETag: expect.stringMatching(/-2"$/),
    });
    await aws('alice', 's3', 'cp', ...key, 's3://awsm/c.bin', join(m.work, 'cbin.back'));
    expect((await readFile(join(m.work, 'cbin.back'))).equals(big.bytes)).toBe(true);
    // a ranged read across the part boundary (8 MiB) with the key
    await aws(
      'alice',
      's3api',
      'get-object',
      '--bucket',
      'awsm',
      '--key',
      'c.bin',
      ...apiKey,
      '--range',
      'bytes=8388000-8389000',
      join(m.work, 'cbin.range'),
    );
    expect((await readFile(join(m.work, 'cbin.range'))).equals(big.bytes.subarray(8388000, 8389001))).toBe(
      true,
    );
    await expect(aws('alice', 's3', 'cp', 's3://awsm/c.bin', join(m.work, 'cbin.nokey'))).rejects.toThrow(
      /400|Bad Request/,
    );
    const other = ['--sse-c', 'AES256', '--sse-c-key', 'another-customer-key-32-bytes-ok'];
    await expect(
      aws('alice', 's3', 'cp', ...other, 's3://awsm/c.bin', join(m.work, 'cbin.other')),
    ).rejects.toThrow(DENIED);
    expect(await m.atRest('awsm', 'AWS-SSEC-BIG-')).toBe(false);
  }, 240_000);
});
