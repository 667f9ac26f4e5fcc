import {
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../src/gateway/index.js';
import { errorCode, signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Users, ownership and ACLs (issue #19): before, every key could do everything and canned ACLs were
 * ignored. Three users (alice first, so she owns buckets made before users existed), SDK clients for
 * each, and plain unsigned fetches for anonymous callers.
 */
const user = (id: string, email?: string): GatewayUser => ({
  id,
  displayName: `${id[0]!.toUpperCase()}${id.slice(1)}`,
  ...(email ? { email } : {}),
  keys: [{ accessKeyId: `AK${id.toUpperCase()}`, secretAccessKey: `${id}-secret-key-0123456789` }],
});
const USERS = [user('alice'), user('bob'), user('carol', 'carol@example.com')];

const status = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { $metadata?: { httpStatusCode?: number }; name?: string }) => err.$metadata?.httpStatusCode,
  );
const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { name?: string }) => err.name,
  );

describe('users, owners and ACLs', () => {
  let gw: TestGateway;
  const as: Record<string, S3Client> = {};
  const anonymous = (path: string, init: RequestInit = {}) => fetch(`${gw.endpoint}${path}`, init);
  beforeAll(async () => {
    gw = await startGateway({ users: USERS });
    for (const u of USERS) {
      as[u.id] = sdkClient(gw.endpoint, {
        credentials: { accessKeyId: u.keys[0]!.accessKeyId, secretAccessKey: u.keys[0]!.secretAccessKey },
      });
    }
  });
  afterAll(async () => {
    for (const client of Object.values(as)) client.destroy();
    await gw.stop();
  });

  it('buckets have owners: BucketAlreadyExists for others, 200 for the owner (us-east-1), ListBuckets shows your own', async () => {
    await as.alice!.send(new CreateBucketCommand({ Bucket: 'alices' }));
    expect(await code(as.bob!.send(new CreateBucketCommand({ Bucket: 'alices' })))).toBe(
      'BucketAlreadyExists',
    );
    // S3's legacy us-east-1 answer (other regions: BucketAlreadyOwnedByYou, see bucket-recreate.test.ts)
    expect(await code(as.alice!.send(new CreateBucketCommand({ Bucket: 'alices' })))).toBe('ok');
    await as.bob!.send(new CreateBucketCommand({ Bucket: 'bobs' }));
    const bobs = await as.bob!.send(new ListBucketsCommand({}));
    expect(bobs.Buckets?.map((b) => b.Name)).toEqual(['bobs']);
    expect(bobs.Owner).toMatchObject({ ID: 'bob' });
    const alices = await as.alice!.send(new ListBucketsCommand({}));
    expect(alices.Buckets?.map((b) => b.Name)).toEqual(['alices']);
    expect((await anonymous('/')).status).toBe(403);
    const acl = await as.alice!.send(new GetBucketAclCommand({ Bucket: 'alices' }));
    expect(acl.Owner).toEqual({ ID: 'alice', DisplayName: 'Alice' });
    expect(acl.Grants).toEqual([
      { Grantee: { ID: 'alice', DisplayName: 'Alice', Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' },
    ]);
  });

  it('private by default: other users and anonymous callers get 403, even for a missing key', async () => {
    await as.alice!.send(new PutObjectCommand({ Bucket: 'alices', Key: 'private.txt', Body: 'mine' }));
    expect(await status(as.bob!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'private.txt' })))).toBe(
      403,
    );
    expect(await status(as.bob!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'missing.txt' })))).toBe(
      403,
    );
    expect(await status(as.bob!.send(new ListObjectsV2Command({ Bucket: 'alices' })))).toBe(403);
    expect(await status(as.bob!.send(new PutObjectCommand({ Bucket: 'alices', Key: 'b', Body: 'x' })))).toBe(
      403,
    );
    expect((await anonymous('/alices/private.txt')).status).toBe(403);
    expect((await anonymous('/alices')).status).toBe(403);
    expect(await status(as.alice!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'missing.txt' })))).toBe(
      404,
    );
  });

  it('canned ACLs on objects: public-read for anyone, authenticated-read for signed-in users', async () => {
    await as.alice!.send(
      new PutObjectCommand({ Bucket: 'alices', Key: 'public.txt', Body: 'for all', ACL: 'public-read' }),
    );
    await as.alice!.send(
      new PutObjectCommand({
        Bucket: 'alices',
        Key: 'members.txt',
        Body: 'members',
        ACL: 'authenticated-read',
      }),
    );
    const got = await anonymous('/alices/public.txt');
    expect([got.status, await got.text()]).toEqual([200, 'for all']);
    expect((await anonymous('/alices/members.txt')).status).toBe(403);
    const bobRead = await as.bob!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'members.txt' }));
    expect(await bobRead.Body!.transformToString()).toBe('members');
    expect((await anonymous('/alices/public.txt', { method: 'DELETE' })).status).toBe(403);
    const acl = await as.alice!.send(new GetObjectAclCommand({ Bucket: 'alices', Key: 'public.txt' }));
    expect(acl.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toEqual([
      ['alice', 'FULL_CONTROL'],
      ['http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
    ]);
    await as.alice!.send(new PutObjectAclCommand({ Bucket: 'alices', Key: 'public.txt', ACL: 'private' }));
    expect((await anonymous('/alices/public.txt')).status).toBe(403);
    const still = await as.alice!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'public.txt' }));
    expect(await still.Body!.transformToString()).toBe('for all');
  });

  it('bucket ACLs: public-read lists for anyone (a missing key is then 404), grants by id and e-mail', async () => {
    await as.alice!.send(new PutBucketAclCommand({ Bucket: 'alices', ACL: 'public-read' }));
    expect((await anonymous('/alices?list-type=2')).status).toBe(200);
    expect((await anonymous('/alices/missing.txt')).status).toBe(404);
    expect((await anonymous('/alices/private.txt')).status).toBe(403);
    const listed = await as.bob!.send(new ListObjectsV2Command({ Bucket: 'alices', FetchOwner: true }));
    expect(listed.Contents?.[0]?.Owner?.ID).toBe('alice');
    await as.alice!.send(
      new PutBucketAclCommand({
        Bucket: 'alices',
        GrantWrite: 'id="bob"',
        GrantRead: 'emailAddress="carol@example.com"',
      }),
    );
    await as.bob!.send(new PutObjectCommand({ Bucket: 'alices', Key: 'from-bob.txt', Body: 'bob wrote' }));
    expect(
      await status(as.carol!.send(new PutObjectCommand({ Bucket: 'alices', Key: 'c', Body: 'x' }))),
    ).toBe(403);
    expect(await status(as.carol!.send(new ListObjectsV2Command({ Bucket: 'alices' })))).toBe(200);
    // bob owns his object: alice owns the bucket but, as on S3 with ObjectWriter ownership, reads it only
    // once its ACL grants her (bucket-owner-read); carol may list but not read it
    const bobsAcl = await as.bob!.send(new GetObjectAclCommand({ Bucket: 'alices', Key: 'from-bob.txt' }));
    expect(bobsAcl.Owner?.ID).toBe('bob');
    expect(
      await status(as.alice!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'from-bob.txt' }))),
    ).toBe(403);
    await as.bob!.send(
      new PutObjectAclCommand({ Bucket: 'alices', Key: 'from-bob.txt', ACL: 'bucket-owner-read' }),
    );
    const read = await as.alice!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'from-bob.txt' }));
    expect(await read.Body!.transformToString()).toBe('bob wrote');
    expect(
      await status(as.carol!.send(new GetObjectCommand({ Bucket: 'alices', Key: 'from-bob.txt' }))),
    ).toBe(403);
    const acl = await as.alice!.send(new GetBucketAclCommand({ Bucket: 'alices' }));
    expect(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([
      ['carol', 'READ'],
      ['bob', 'WRITE'],
    ]);
  });

  it('hostile ACLs: a forged owner, an unknown user or e-mail, canned plus grants, malformed XML', async () => {
    const put = (body: string, headers: Record<string, string> = {}) =>
      signedRequest(gw.endpoint, {
        method: 'PUT',
        path: '/alices',
        query: 'acl=',
        body,
        headers,
        accessKey: 'AKALICE',
        secret: 'alice-secret-key-0123456789',
      });
    const policy = (owner: string, grantee: string) =>
      `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList><Grant>${grantee}<Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    const cases: Array<[Promise<{ status: number; body: string }>, number, string]> = [
      [put(policy('bob', '<Grantee><ID>bob</ID></Grantee>')), 403, 'AccessDenied'],
      [put(policy('alice', '<Grantee><ID>mallory</ID></Grantee>')), 400, 'InvalidArgument'],
      [
        put(policy('alice', '<Grantee><EmailAddress>x@y.z</EmailAddress></Grantee>')),
        400,
        'UnresolvableGrantByEmailAddress',
      ],
      [put(policy('alice', '<Grantee><URI>http://evil/group</URI></Grantee>')), 400, 'InvalidArgument'],
      [put('<AccessControlPolicy><Owner>'), 400, 'MalformedXML'],
      [put('', { 'x-amz-acl': 'public-read', 'x-amz-grant-read': 'id="bob"' }), 400, 'InvalidRequest'],
      [put('', { 'x-amz-acl': 'world-writable' }), 400, 'InvalidArgument'],
    ];
    for (const [response, want, wantCode] of cases) {
      const res = await response;
      expect([res.status, errorCode(res as never)]).toEqual([want, wantCode]);
    }
    // nothing changed: bob may still write, carol may still only read
    const acl = await as.alice!.send(new GetBucketAclCommand({ Bucket: 'alices' }));
    expect(acl.Grants?.length).toBe(2);
  });
});

describe('a gateway without users', () => {
  it('refuses ACLs other than private instead of ignoring them', async () => {
    const gw = await startGateway();
    const s3 = sdkClient(gw.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
      await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'p', Body: 'x', ACL: 'private' }));
      expect(
        await status(
          s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'q', Body: 'x', ACL: 'public-read' })),
        ),
      ).toBe(501);
      expect(await status(s3.send(new PutBucketAclCommand({ Bucket: 'plain', ACL: 'public-read' })))).toBe(
        501,
      );
      expect((await fetch(`${gw.endpoint}/plain/p`)).status).toBe(403);
      expect(ACCESS_KEY && SECRET_KEY).toBeTruthy();
    } finally {
      s3.destroy();
      await gw.stop();
    }
  });
});

describe('public access block and ownership controls', () => {
  it('BlockPublicAcls refuses public ACLs, IgnorePublicAcls stops them counting, BucketOwnerEnforced turns ACLs off', async () => {
    const gw = await startGateway({ users: USERS });
    const [alice, bob] = USERS.map((u) =>
      sdkClient(gw.endpoint, {
        credentials: { accessKeyId: u.keys[0]!.accessKeyId, secretAccessKey: u.keys[0]!.secretAccessKey },
      }),
    );
    try {
      await alice!.send(new CreateBucketCommand({ Bucket: 'guarded' }));
      await alice!.send(
        new PutObjectCommand({ Bucket: 'guarded', Key: 'pub', Body: 'public', ACL: 'public-read' }),
      );
      expect((await fetch(`${gw.endpoint}/guarded/pub`)).status).toBe(200);
      const block = (config: Record<string, boolean>) =>
        alice!.send(
          new PutPublicAccessBlockCommand({ Bucket: 'guarded', PublicAccessBlockConfiguration: config }),
        );
      await block({ BlockPublicAcls: true });
      expect(
        await code(
          alice!.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'p2', Body: 'x', ACL: 'public-read' })),
        ),
      ).toBe('AccessDenied');
      expect(
        await code(alice!.send(new PutBucketAclCommand({ Bucket: 'guarded', ACL: 'public-read' }))),
      ).toBe('AccessDenied');
      // an existing public ACL still counts until IgnorePublicAcls
      expect((await fetch(`${gw.endpoint}/guarded/pub`)).status).toBe(200);
      await block({ BlockPublicAcls: true, IgnorePublicAcls: true });
      expect((await fetch(`${gw.endpoint}/guarded/pub`)).status).toBe(403);
      const got = await alice!.send(new GetPublicAccessBlockCommand({ Bucket: 'guarded' }));
      expect(got.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      });
      expect(await status(bob!.send(new GetPublicAccessBlockCommand({ Bucket: 'guarded' })))).toBe(403);
      await alice!.send(new DeletePublicAccessBlockCommand({ Bucket: 'guarded' }));
      expect((await fetch(`${gw.endpoint}/guarded/pub`)).status).toBe(200);

      await alice!.send(new PutBucketAclCommand({ Bucket: 'guarded', GrantRead: 'id="bob"' }));
      expect(await status(bob!.send(new ListObjectsV2Command({ Bucket: 'guarded' })))).toBe(200);
      await alice!.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: 'guarded',
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      );
      const controls = await alice!.send(new GetBucketOwnershipControlsCommand({ Bucket: 'guarded' }));
      expect(controls.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      // ACLs no longer grant anything, and setting one is refused
      expect(await status(bob!.send(new ListObjectsV2Command({ Bucket: 'guarded' })))).toBe(403);
      expect((await fetch(`${gw.endpoint}/guarded/pub`)).status).toBe(403);
      expect(
        await code(
          alice!.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'p3', Body: 'x', ACL: 'public-read' })),
        ),
      ).toBe('AccessControlListNotSupported');
      expect(await code(alice!.send(new PutBucketAclCommand({ Bucket: 'guarded', ACL: 'private' })))).toBe(
        'AccessControlListNotSupported',
      );
      await alice!.send(
        new PutObjectCommand({ Bucket: 'guarded', Key: 'p4', Body: 'x', ACL: 'bucket-owner-full-control' }),
      );
      await alice!.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'guarded' }));
      expect(await status(bob!.send(new ListObjectsV2Command({ Bucket: 'guarded' })))).toBe(200);
    } finally {
      alice!.destroy();
      bob!.destroy();
      await gw.stop();
    }
  });
});
