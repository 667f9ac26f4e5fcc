import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  type Grant,
  type ObjectCannedACL,
  PutBucketAclCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../src/gateway/index.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Every canned ACL (issue #19 item 2) on every write that takes one — PutObject, CopyObject,
 * CreateMultipartUpload (recorded at Complete) and CreateBucket — with the grants S3 documents for it
 * ("Canned ACL" in the S3 user guide) and what they let an anonymous caller and another signed-in user
 * do. Bob writes into alice's bucket, so the bucket-owner-* ACLs name someone other than the writer.
 */
const user = (id: string): GatewayUser => ({
  id,
  displayName: id,
  keys: [{ accessKeyId: `AKC${id.toUpperCase()}`, secretAccessKey: `${id}-canned-secret-0123456789` }],
});
const USERS = [user('alice'), user('bob'), user('carol')];
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

/** The grants S3 gives an object bob writes into alice's bucket with each canned ACL. */
const OBJECT_GRANTS: Record<string, string[]> = {
  private: ['bob FULL_CONTROL'],
  'public-read': ['bob FULL_CONTROL', `${ALL_USERS} READ`],
  'public-read-write': ['bob FULL_CONTROL', `${ALL_USERS} READ`, `${ALL_USERS} WRITE`],
  'authenticated-read': ['bob FULL_CONTROL', `${AUTHENTICATED} READ`],
  'bucket-owner-read': ['bob FULL_CONTROL', 'alice READ'],
  'bucket-owner-full-control': ['bob FULL_CONTROL', 'alice FULL_CONTROL'],
};
/**
 * Who may GET such an object besides its writer: [anonymous, carol (another user), alice (the bucket
 * owner, who reads another user's object only where its ACL says so: S3's ObjectWriter ownership)].
 */
const READERS: Record<string, [boolean, boolean, boolean]> = {
  private: [false, false, false],
  'public-read': [true, true, true],
  'public-read-write': [true, true, true],
  'authenticated-read': [false, true, true],
  'bucket-owner-read': [false, false, true],
  'bucket-owner-full-control': [false, false, true],
};

const shown = (grants: Grant[] | undefined) =>
  (grants ?? []).map((g) => `${g.Grantee?.URI ?? g.Grantee?.ID} ${g.Permission}`).sort();

describe('canned ACLs on every write that takes one', () => {
  let gw: TestGateway;
  const as: Record<string, S3Client> = {};
  beforeAll(async () => {
    gw = await startGateway({ users: USERS, limits: { minPartSize: 1024 } });
    for (const u of USERS) {
      as[u.id] = sdkClient(gw.endpoint, {
        credentials: { accessKeyId: u.keys[0]!.accessKeyId, secretAccessKey: u.keys[0]!.secretAccessKey },
      });
    }
    await as.alice!.send(new CreateBucketCommand({ Bucket: 'canned' }));
    await as.alice!.send(
      new PutBucketAclCommand({ Bucket: 'canned', GrantFullControl: 'id=alice', GrantWrite: 'id=bob' }),
    );
    await as.bob!.send(new PutObjectCommand({ Bucket: 'canned', Key: 'source.txt', Body: 'copied bytes' }));
  });
  afterAll(async () => {
    for (const client of Object.values(as)) client.destroy();
    await gw?.stop();
  });

  const writes: Record<string, (key: string, acl: ObjectCannedACL) => Promise<unknown>> = {
    PutObject: (key, ACL) =>
      as.bob!.send(new PutObjectCommand({ Bucket: 'canned', Key: key, Body: 'put bytes', ACL })),
    CopyObject: (key, ACL) =>
      as.bob!.send(
        new CopyObjectCommand({ Bucket: 'canned', Key: key, CopySource: 'canned/source.txt', ACL }),
      ),
    CreateMultipartUpload: async (key, ACL) => {
      const { UploadId } = await as.bob!.send(
        new CreateMultipartUploadCommand({ Bucket: 'canned', Key: key, ACL }),
      );
      const part = await as.bob!.send(
        new UploadPartCommand({ Bucket: 'canned', Key: key, UploadId, PartNumber: 1, Body: 'part bytes' }),
      );
      await as.bob!.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'canned',
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
        }),
      );
    },
  };

  for (const [operation, write] of Object.entries(writes)) {
    it(`${operation}: the grants of each canned ACL, and who may read the object`, async () => {
      for (const [acl, grants] of Object.entries(OBJECT_GRANTS)) {
        const key = `${operation}/${acl}`;
        await write(key, acl as ObjectCannedACL);
        const got = await as.bob!.send(new GetObjectAclCommand({ Bucket: 'canned', Key: key }));
        expect(got.Owner?.ID, key).toBe('bob');
        expect(shown(got.Grants), key).toEqual([...grants].sort());
        const [anonymous, carol, alice] = READERS[acl]!;
        const path = `${gw.endpoint}/canned/${operation}/${acl}`;
        expect((await fetch(path)).status, `anonymous ${key}`).toBe(anonymous ? 200 : 403);
        const carolRead = await as.carol!.send(new GetObjectCommand({ Bucket: 'canned', Key: key })).then(
          () => 200,
          (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
        );
        expect(carolRead, `carol ${key}`).toBe(carol ? 200 : 403);
        const aliceRead = await as.alice!.send(new GetObjectCommand({ Bucket: 'canned', Key: key })).then(
          () => 200,
          (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
        );
        expect(aliceRead, `alice ${key}`).toBe(alice ? 200 : 403);
      }
      // public-read-write on an object grants WRITE, which S3 does not use for objects: no anonymous
      // overwrite, since writing an object needs WRITE on the bucket
      const overwrite = await fetch(`${gw.endpoint}/canned/${operation}/public-read-write`, {
        method: 'PUT',
        body: 'anonymous',
      });
      expect(overwrite.status).toBe(403);
    });
  }

  it('CreateBucket: private, public-read, public-read-write and authenticated-read, as S3 grants and enforces them', async () => {
    const expected: Record<string, string[]> = {
      private: ['alice FULL_CONTROL'],
      'public-read': ['alice FULL_CONTROL', `${ALL_USERS} READ`],
      'public-read-write': ['alice FULL_CONTROL', `${ALL_USERS} READ`, `${ALL_USERS} WRITE`],
      'authenticated-read': ['alice FULL_CONTROL', `${AUTHENTICATED} READ`],
    };
    for (const [acl, grants] of Object.entries(expected)) {
      const bucket = `b-${acl}`;
      await as.alice!.send(new CreateBucketCommand({ Bucket: bucket, ACL: acl as 'private' }));
      const got = await as.alice!.send(new GetBucketAclCommand({ Bucket: bucket }));
      expect(shown(got.Grants), acl).toEqual([...grants].sort());
      const list = await fetch(`${gw.endpoint}/${bucket}?list-type=2`);
      expect(list.status, `anonymous list ${acl}`).toBe(acl.startsWith('public') ? 200 : 403);
      const put = await fetch(`${gw.endpoint}/${bucket}/anon.txt`, { method: 'PUT', body: 'anonymous' });
      expect(put.status, `anonymous put ${acl}`).toBe(acl === 'public-read-write' ? 200 : 403);
      const carolPut = await as
        .carol!.send(new PutObjectCommand({ Bucket: bucket, Key: 'c.txt', Body: 'c' }))
        .then(
          () => 200,
          (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
        );
      expect(carolPut, `carol put ${acl}`).toBe(acl === 'public-read-write' ? 200 : 403);
    }
  });
});
