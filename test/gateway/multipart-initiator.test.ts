import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../src/gateway/index.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

const user = (id: string, displayName: string): GatewayUser => ({
  id,
  displayName,
  keys: [{ accessKeyId: `AK${id.toUpperCase()}`, secretAccessKey: `${id}-secret-key-0123456789` }],
});
const USERS = [user('owner-id', 'Bucket Owner'), user('guest-id', 'Guest Writer')];

// Uploads in a shared bucket: each one names who started it, by id and display name, whoever lists.
describe('multipart uploads show their initiator', () => {
  let gw: TestGateway;
  const as: Record<string, S3Client> = {};
  const Bucket = 'shared';
  beforeAll(async () => {
    gw = await startGateway({ users: USERS });
    for (const u of USERS) {
      as[u.id] = sdkClient(gw.endpoint, {
        credentials: { accessKeyId: u.keys[0]!.accessKeyId, secretAccessKey: u.keys[0]!.secretAccessKey },
      });
    }
    await as['owner-id']!.send(new CreateBucketCommand({ Bucket }));
    await as['owner-id']!.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read-write' }));
  });
  afterAll(async () => {
    for (const c of Object.values(as)) c.destroy();
    await gw?.stop();
  });

  it('lists each upload with its own initiator and owner, not the caller or the bucket owner', async () => {
    const mine = await as['owner-id']!.send(new CreateMultipartUploadCommand({ Bucket, Key: 'a' }));
    const theirs = await as['guest-id']!.send(new CreateMultipartUploadCommand({ Bucket, Key: 'b' }));
    try {
      for (const caller of ['owner-id', 'guest-id']) {
        const { Uploads } = await as[caller]!.send(new ListMultipartUploadsCommand({ Bucket }));
        expect(Uploads?.map((u) => [u.Key, u.Initiator?.ID, u.Initiator?.DisplayName, u.Owner?.ID])).toEqual([
          ['a', 'owner-id', 'Bucket Owner', 'owner-id'],
          ['b', 'guest-id', 'Guest Writer', 'guest-id'],
        ]);
      }
      const parts = await as['owner-id']!.send(
        new ListPartsCommand({ Bucket, Key: 'b', UploadId: theirs.UploadId }),
      );
      expect(parts.Initiator).toEqual({ ID: 'guest-id', DisplayName: 'Guest Writer' });
      expect(parts.Owner).toEqual({ ID: 'guest-id', DisplayName: 'Guest Writer' });
    } finally {
      await as['owner-id']!.send(
        new AbortMultipartUploadCommand({ Bucket, Key: 'a', UploadId: mine.UploadId }),
      );
      await as['guest-id']!.send(
        new AbortMultipartUploadCommand({ Bucket, Key: 'b', UploadId: theirs.UploadId }),
      );
    }
  });

  it('names owners by display name in ListObjectsV2 (fetch-owner), ListObjectVersions and ListBuckets', async () => {
    await as['owner-id']!.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const { Contents } = await as['owner-id']!.send(new ListObjectsV2Command({ Bucket, FetchOwner: true }));
    expect(Contents?.[0]?.Owner).toEqual({ ID: 'owner-id', DisplayName: 'Bucket Owner' });
    const versions = await as['owner-id']!.send(new ListObjectVersionsCommand({ Bucket }));
    expect(versions.Versions?.[0]?.Owner).toEqual({ ID: 'owner-id', DisplayName: 'Bucket Owner' });
    const buckets = await as['owner-id']!.send(new ListBucketsCommand({}));
    expect(buckets.Owner).toEqual({ ID: 'owner-id', DisplayName: 'Bucket Owner' });
  });
});
