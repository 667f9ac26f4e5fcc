import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { sdkClient, startGateway, type TestGateway } from '../support.js';

/**
 * Bucket policies enforced by the gateway (issue #19 item 3), driven by the AWS SDK v3 as three users
 * and by unsigned fetches as anonymous callers. Policies combine with ACLs as S3 documents: a Deny
 * wins over any ACL grant, an Allow grants what the ACL does not.
 */
const user = (id: string): GatewayUser => ({
  id,
  keys: [{ accessKeyId: `AK${id.toUpperCase()}`, secretAccessKey: `${id}-secret-key-0123456789` }],
});
const USERS = [user('alice'), user('bob'), user('carol')];
const B = 'arn:aws:s3:::pol';

const outcome = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { name?: string; Code?: string }) => err.Code ?? err.name,
  );
const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('bucket policies through the gateway', () => {
  let gw: TestGateway;
  const as: Record<string, S3Client> = {};
  const anonymous = (path: string, init: RequestInit = {}) => fetch(`${gw.endpoint}${path}`, init);
  const setPolicy = (...statements: Record<string, unknown>[]) =>
    as.alice!.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: policy(...statements) }));
  const put = (who: string, Key: string, Body = 'x', extra: Record<string, unknown> = {}) =>
    outcome(as[who]!.send(new PutObjectCommand({ Bucket: 'pol', Key, Body, ...extra })));
  const get = (who: string, Key: string) =>
    outcome(as[who]!.send(new GetObjectCommand({ Bucket: 'pol', Key })));

  beforeAll(async () => {
    gw = await startGateway({ users: USERS });
    for (const u of USERS) as[u.id] = sdkClient(gw.endpoint, { credentials: u.keys[0]! });
    await as.alice!.send(new CreateBucketCommand({ Bucket: 'pol' }));
    for (const key of ['public/a.txt', 'private/b.txt', 'secret/c.txt', 'keep/d.txt', 'tmp/e.txt']) {
      await as.alice!.send(new PutObjectCommand({ Bucket: 'pol', Key: key, Body: `body of ${key}` }));
    }
  });
  afterAll(async () => {
    for (const client of Object.values(as)) client.destroy();
    await gw.stop();
  });

  it('Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus', async () => {
    expect(await outcome(as.alice!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe(
      'NoSuchBucketPolicy',
    );
    const status = () => as.alice!.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol' }));
    expect((await status()).PolicyStatus?.IsPublic).toBe(false);
    const text = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${B}/public/*`,
    });
    await as.alice!.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: text }));
    expect((await as.alice!.send(new GetBucketPolicyCommand({ Bucket: 'pol' }))).Policy).toBe(text);
    expect((await status()).PolicyStatus?.IsPublic).toBe(true);
    const got = await anonymous('/pol/public/a.txt');
    expect([got.status, await got.text()]).toEqual([200, 'body of public/a.txt']);
    expect((await anonymous('/pol/private/b.txt')).status).toBe(403);
    // no s3:ListBucket: a missing key is 403, not 404
    expect((await anonymous('/pol/public/missing.txt')).status).toBe(403);
    expect((await anonymous('/pol/public/a.txt', { method: 'PUT', body: 'x' })).status).toBe(403);
    await as.alice!.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));
    expect((await anonymous('/pol/public/a.txt')).status).toBe(403);
    expect(await outcome(as.alice!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe(
      'NoSuchBucketPolicy',
    );
  });

  it('refuses malformed policies and policies naming other buckets or unknown users', async () => {
    const refuse = (Policy: string) =>
      outcome(as.alice!.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy })));
    expect(await refuse('{"Statement": [')).toBe('MalformedPolicy');
    expect(
      await refuse(
        policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' }),
      ),
    ).toBe('MalformedPolicy');
    expect(
      await refuse(
        policy({ Effect: 'Allow', Principal: { AWS: 'mallory' }, Action: 's3:*', Resource: `${B}/*` }),
      ),
    ).toBe('MalformedPolicy');
    expect(await outcome(as.alice!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe(
      'NoSuchBucketPolicy',
    );
    // 20 KiB of conditions: over S3's limit it is refused, under it it is kept and applied
    const prefixes = (n: number) =>
      Array.from({ length: n }, (_, i) => `prefix-${String(i).padStart(5, '0')}/`);
    const listing = (n: number) =>
      policy({
        Effect: 'Allow',
        Principal: { AWS: 'carol' },
        Action: 's3:ListBucket',
        Resource: B,
        Condition: { StringEquals: { 's3:prefix': prefixes(n) } },
      });
    expect(await refuse(listing(1500))).toBe('PolicyTooLarge');
    expect(await refuse(listing(1000))).toBe('ok');
    const list = (Prefix: string) =>
      outcome(as.carol!.send(new ListObjectsV2Command({ Bucket: 'pol', Prefix })));
    expect([await list('prefix-00999/'), await list('prefix-01000/')]).toEqual(['ok', 'AccessDenied']);
    await as.alice!.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));
  });

  it('grants another user what the ACL does not: writes under a prefix, listing that prefix only', async () => {
    await setPolicy(
      { Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:PutObject', Resource: `${B}/uploads/*` },
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::bob:root' },
        Action: 's3:ListBucket',
        Resource: B,
        Condition: { StringLike: { 's3:prefix': 'uploads/*' }, NumericLessThan: { 's3:max-keys': '100' } },
      },
    );
    expect(await put('bob', 'uploads/from-bob.txt')).toBe('ok');
    expect(await put('bob', 'elsewhere.txt')).toBe('AccessDenied');
    expect(await put('carol', 'uploads/from-carol.txt')).toBe('AccessDenied');
    const list = (Prefix: string | undefined, MaxKeys?: number) =>
      outcome(
        as.bob!.send(
          new ListObjectsV2Command({
            Bucket: 'pol',
            ...(Prefix ? { Prefix } : {}),
            ...(MaxKeys ? { MaxKeys } : {}),
          }),
        ),
      );
    expect(await list('uploads/', 10)).toBe('ok');
    expect(await list('uploads/', 500)).toBe('AccessDenied');
    expect(await list(undefined, 10)).toBe('AccessDenied');
    expect(await list('private/', 10)).toBe('AccessDenied');
    // bob wrote it, so bob owns it (ObjectWriter) and reads it by its ACL; carol has no grant
    expect(await get('bob', 'uploads/from-bob.txt')).toBe('ok');
    expect(await get('carol', 'uploads/from-bob.txt')).toBe('AccessDenied');
  });

  it('an explicit Deny wins over a public-read ACL and over the owner; the owner keeps the policy itself', async () => {
    await as.alice!.send(new PutObjectAclCommand({ Bucket: 'pol', Key: 'secret/c.txt', ACL: 'public-read' }));
    expect((await anonymous('/pol/secret/c.txt')).status).toBe(200);
    await setPolicy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`${B}/secret/*`, B] });
    expect((await anonymous('/pol/secret/c.txt')).status).toBe(403);
    expect(await get('alice', 'secret/c.txt')).toBe('AccessDenied');
    expect(await outcome(as.alice!.send(new ListObjectsV2Command({ Bucket: 'pol' })))).toBe('AccessDenied');
    expect(await get('alice', 'private/b.txt')).toBe('ok');
    // a policy denying everything to everyone still lets the bucket owner read and remove it
    expect(await outcome(as.alice!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe('ok');
    await as.alice!.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));
    expect(await get('alice', 'secret/c.txt')).toBe('ok');
  });

  it('only the owner reads or changes the policy, even when the policy grants it (405)', async () => {
    await setPolicy({
      Effect: 'Allow',
      Principal: { AWS: 'bob' },
      Action: 's3:GetBucketPolicy',
      Resource: B,
    });
    expect(await outcome(as.bob!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe(
      'MethodNotAllowed',
    );
    expect(await outcome(as.carol!.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toBe('AccessDenied');
  });

  it('conditions on the transport, the address, the ACL header and object tags', async () => {
    await setPolicy({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${B}/*`,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(await get('alice', 'private/b.txt')).toBe('AccessDenied'); // plain HTTP
    await setPolicy(
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `${B}/public/*`,
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `${B}/private/*`,
        Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
      },
    );
    expect((await anonymous('/pol/public/a.txt')).status).toBe(403);
    expect((await anonymous('/pol/private/b.txt')).status).toBe(200);
    await setPolicy({
      Effect: 'Allow',
      Principal: { AWS: 'carol' },
      Action: 's3:PutObject',
      Resource: `${B}/drop/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    });
    expect(await put('carol', 'drop/1.txt')).toBe('AccessDenied');
    expect(await put('carol', 'drop/1.txt', 'x', { ACL: 'bucket-owner-full-control' })).toBe('ok');
    await put('alice', 'tagged/open.txt', 'open', { Tagging: 'classification=public' });
    await put('alice', 'tagged/closed.txt', 'closed', { Tagging: 'classification=secret' });
    await setPolicy({
      Effect: 'Allow',
      Principal: { AWS: 'bob' },
      Action: 's3:GetObject',
      Resource: `${B}/tagged/*`,
      Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'public' } },
    });
    expect(await get('bob', 'tagged/open.txt')).toBe('ok');
    expect(await get('bob', 'tagged/closed.txt')).toBe('AccessDenied');
  });

  it('DeleteObjects is authorized key by key; CopyObject reads the source under its policy', async () => {
    await setPolicy({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `${B}/keep/*` });
    const result = await as.alice!.send(
      new DeleteObjectsCommand({
        Bucket: 'pol',
        Delete: { Objects: [{ Key: 'keep/d.txt' }, { Key: 'tmp/e.txt' }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['tmp/e.txt']);
    expect(result.Errors?.map((e) => [e.Key, e.Code])).toEqual([['keep/d.txt', 'AccessDenied']]);
    expect(await get('alice', 'keep/d.txt')).toBe('ok');
    await as.bob!.send(new CreateBucketCommand({ Bucket: 'bobs' }));
    const copy = () =>
      outcome(
        as.bob!.send(
          new CopyObjectCommand({ Bucket: 'bobs', Key: 'copy.txt', CopySource: 'pol/private/b.txt' }),
        ),
      );
    expect(await copy()).toBe('AccessDenied');
    await setPolicy({
      Effect: 'Allow',
      Principal: { AWS: 'bob' },
      Action: 's3:GetObject',
      Resource: `${B}/private/*`,
    });
    expect(await copy()).toBe('ok');
  });

  it('public access block: BlockPublicPolicy refuses a public policy, RestrictPublicBuckets ignores one', async () => {
    const everyone = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${B}/public/*` };
    await setPolicy(everyone, {
      Effect: 'Allow',
      Principal: { AWS: 'bob' },
      Action: 's3:GetObject',
      Resource: `${B}/private/*`,
    });
    const block = (config: Record<string, boolean>) =>
      as.alice!.send(
        new PutPublicAccessBlockCommand({ Bucket: 'pol', PublicAccessBlockConfiguration: config }),
      );
    await block({ RestrictPublicBuckets: true });
    expect((await anonymous('/pol/public/a.txt')).status).toBe(403);
    expect(await get('bob', 'private/b.txt')).toBe('AccessDenied'); // even the named grant, in a public policy
    expect(await get('alice', 'public/a.txt')).toBe('ok');
    await block({ BlockPublicPolicy: true });
    expect(await outcome(setPolicy(everyone))).toBe('AccessDenied');
    expect(await outcome(setPolicy({ ...everyone, Principal: { AWS: 'bob' } }))).toBe('ok');
    expect(await get('bob', 'public/a.txt')).toBe('ok');
    await block({});
  });
});
