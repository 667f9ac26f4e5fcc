import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from './serve-process.js';

const client = (fields: Record<string, string>) =>
  new S3Client({
    region: 'us-east-1',
    endpoint: fields.endpoint!,
    forcePathStyle: true,
    credentials: { accessKeyId: fields['access key']!, secretAccessKey: fields['secret key']! },
  });

describe('bucketkit serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-serve-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves a folder with the given keys, prints endpoint and keys, and stops on SIGTERM', async () => {
    const served = await serve([
      '--storage',
      `file://${join(dir, 'data')}`,
      '--port',
      '0',
      '--access-key',
      'AKIDCLI',
      '--secret-key',
      'cli-secret',
    ]);
    expect(served.fields).toMatchObject({
      'access key': 'AKIDCLI',
      'secret key': 'cli-secret',
      region: 'us-east-1',
    });
    expect(served.fields.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = client(served.fields);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'cli-bucket', Key: 'hello.txt', Body: 'hello serve' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'cli-bucket', Key: 'hello.txt' }));
      expect(await got.Body!.transformToString()).toBe('hello serve');
      expect(await readdir(join(dir, 'data'))).toEqual(['cli-bucket']);
      const wrong = client({ ...served.fields, 'secret key': 'wrong' });
      const denied = await wrong.send(new ListBucketsCommand({})).catch((e) => e);
      expect(denied.name).toBe('SignatureDoesNotMatch');
      wrong.destroy();
    } finally {
      s3.destroy();
      served.child.kill('SIGTERM');
    }
    expect(await served.exited).toBe(0);
  }, 60_000);

  it('generates random keys when none are given, and takes them from the environment', async () => {
    const random = await serve(['--storage', `file://${join(dir, 'r')}`, '--port', '0']);
    random.child.kill('SIGTERM');
    await random.exited;
    expect(random.fields['access key']).toMatch(/^BK[0-9A-F]{18}$/);
    expect(random.fields['secret key']!.length).toBeGreaterThanOrEqual(40);
    const fromEnv = await serve(['--storage', `file://${join(dir, 'r')}`, '--port', '0'], {
      BUCKETKIT_ACCESS_KEY_ID: 'AKIDENV',
      BUCKETKIT_SECRET_ACCESS_KEY: 'env-secret',
    });
    fromEnv.child.kill('SIGTERM');
    await fromEnv.exited;
    expect(fromEnv.fields).toMatchObject({ 'access key': 'AKIDENV', 'secret key': 'env-secret' });
  }, 60_000);

  it('--users users.json: each user signs with their own keys, owns what they make, and is refused the rest; --encryption-keys seals SSE-S3 at rest', async () => {
    const users = join(dir, 'users.json');
    await writeFile(
      users,
      JSON.stringify({
        users: [
          {
            id: 'alice',
            displayName: 'Alice',
            keys: [{ accessKeyId: 'AKALICE', secretAccessKey: 'alice-secret' }],
          },
          {
            id: 'bob',
            email: 'bob@example.com',
            keys: [{ accessKeyId: 'AKBOB', secretAccessKey: 'bob-secret' }],
          },
        ],
      }),
    );
    const served = await serve([
      '--storage',
      `file://${join(dir, 'u')}`,
      '--port',
      '0',
      '--users',
      users,
      '--encryption-keys',
      join(dir, 'keys.json'),
    ]);
    const alice = client({ ...served.fields, 'access key': 'AKALICE', 'secret key': 'alice-secret' });
    const bob = client({ ...served.fields, 'access key': 'AKBOB', 'secret key': 'bob-secret' });
    try {
      await alice.send(new CreateBucketCommand({ Bucket: 'alices' }));
      await alice.send(
        new PutObjectCommand({
          Bucket: 'alices',
          Key: 'note.txt',
          Body: 'USERS-FILE-PLAINTEXT',
          ServerSideEncryption: 'AES256',
        }),
      );
      const acl = await alice.send(new GetBucketAclCommand({ Bucket: 'alices' }));
      expect(acl.Owner).toEqual({ ID: 'alice', DisplayName: 'Alice' });
      const denied = await bob
        .send(new GetObjectCommand({ Bucket: 'alices', Key: 'note.txt' }))
        .catch((e) => e);
      expect(denied.name).toBe('AccessDenied');
      const taken = await bob.send(new CreateBucketCommand({ Bucket: 'alices' })).catch((e) => e);
      expect(taken.name).toBe('BucketAlreadyExists');
      await bob.send(new CreateBucketCommand({ Bucket: 'bobs' }));
      expect((await bob.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['bobs']);
      await alice.send(
        new PutObjectAclCommand({
          Bucket: 'alices',
          Key: 'note.txt',
          GrantRead: 'emailAddress=bob@example.com',
        }),
      );
      const read = await bob.send(new GetObjectCommand({ Bucket: 'alices', Key: 'note.txt' }));
      expect([read.ServerSideEncryption, await read.Body!.transformToString()]).toEqual([
        'AES256',
        'USERS-FILE-PLAINTEXT',
      ]);
      for (const entry of await readdir(join(dir, 'u', 'alices'), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        expect((await readFile(join(entry.parentPath, entry.name))).includes('USERS-FILE-PLAINTEXT')).toBe(
          false,
        );
      }
    } finally {
      alice.destroy();
      bob.destroy();
      served.child.kill('SIGTERM');
    }
    expect(await served.exited).toBe(0);
  }, 60_000);

  it('--users with a broken file stops with a message naming the file and the expected shape', async () => {
    const users = join(dir, 'broken-users.json');
    await writeFile(users, JSON.stringify({ users: [{ id: 'x' }] }));
    const failed = await serve([
      '--storage',
      `file://${join(dir, 'b')}`,
      '--port',
      '0',
      '--users',
      users,
    ]).catch((e: Error) => e.message);
    expect(failed).toMatch(/broken-users\.json: user "x" needs "keys"/);
  }, 60_000);
});
