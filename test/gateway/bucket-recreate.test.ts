import {
  CreateBucketCommand,
  GetBucketAclCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../src/gateway/index.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

const user = (id: string): GatewayUser => ({
  id,
  displayName: id,
  keys: [{ accessKeyId: `AK${id.toUpperCase()}`, secretAccessKey: `${id}-secret-key-0123456789` }],
});
const clientFor = (gw: TestGateway, u: GatewayUser, region = 'us-east-1') =>
  sdkClient(gw.endpoint, {
    region,
    credentials: { accessKeyId: u.keys[0]!.accessKeyId, secretAccessKey: u.keys[0]!.secretAccessKey },
  });

// CreateBucket on a bucket its caller already owns: S3 answers 200 in us-east-1 (legacy; the bucket's
// ACL is reset, its objects stay) and 409 BucketAlreadyOwnedByYou in every other region.
describe('re-creating a bucket you own', () => {
  const open: { gw: TestGateway; clients: S3Client[] }[] = [];
  afterEach(async () => {
    for (const { gw, clients } of open.splice(0)) {
      for (const c of clients) c.destroy();
      await gw.stop();
    }
  });

  it('us-east-1: 200, objects kept, ACL back to what the request asks (private by default)', async () => {
    const owner = user('keeper');
    const other = user('visitor');
    const gw = await startGateway({ users: [owner, other] });
    const s3 = clientFor(gw, owner);
    const theirs = clientFor(gw, other);
    open.push({ gw, clients: [s3, theirs] });
    await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
    await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'a', Body: 'a' }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'kept', ACL: 'public-read' }));

    const again = await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'kept' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['a']);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'kept' }));
    expect(acl.Grants?.map((g) => [g.Permission, g.Grantee?.ID ?? g.Grantee?.URI])).toEqual([
      ['FULL_CONTROL', 'keeper'],
    ]);
    // someone else's bucket is still BucketAlreadyExists
    await expect(theirs.send(new CreateBucketCommand({ Bucket: 'kept' }))).rejects.toMatchObject({
      name: 'BucketAlreadyExists',
    });
  });

  it('another region: 409 BucketAlreadyOwnedByYou, with users and without', async () => {
    const owner = user('keeper');
    const withUsers = await startGateway({ users: [owner], region: 'eu-west-1' });
    const keysOnly = await startGateway({ region: 'eu-west-1' });
    const a = clientFor(withUsers, owner, 'eu-west-1');
    const b = sdkClient(keysOnly.endpoint, { region: 'eu-west-1' });
    open.push({ gw: withUsers, clients: [a] }, { gw: keysOnly, clients: [b] });
    for (const s3 of [a, b]) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: 'once',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      await expect(
        s3.send(
          new CreateBucketCommand({
            Bucket: 'once',
            CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
          }),
        ),
      ).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou', $metadata: { httpStatusCode: 409 } });
    }
  });
});
