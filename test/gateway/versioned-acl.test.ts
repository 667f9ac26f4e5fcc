import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectAclCommand,
  type Grant,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../src/gateway/index.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

const OWNER: GatewayUser = {
  id: 'acl-owner',
  displayName: 'Acl Owner',
  keys: [{ accessKeyId: 'AKACLOWNER', secretAccessKey: 'acl-owner-secret-key-0123456789' }],
};
const Bucket = 'versioned-acl';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

const readers = (grants: Grant[] | undefined) =>
  (grants ?? []).map((g) => `${g.Permission}:${g.Grantee?.ID ?? g.Grantee?.URI}`).sort();

// Each version of a key keeps its own ACL: GetObjectAcl / PutObjectAcl with a versionId address one
// version, and without one the current version (which is the key's newest version too).
describe('object ACLs of single versions', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const versions: string[] = [];
  beforeAll(async () => {
    gw = await startGateway({ users: [OWNER] });
    s3 = sdkClient(gw.endpoint, {
      credentials: { accessKeyId: 'AKACLOWNER', secretAccessKey: 'acl-owner-secret-key-0123456789' },
    });
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const body of ['one', 'two', 'three']) {
      versions.push((await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: body }))).VersionId!);
    }
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  const aclOf = async (VersionId?: string) =>
    readers((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc', VersionId }))).Grants);

  it('sets and reads the ACL of an older version without touching the current one', async () => {
    await s3.send(
      new PutObjectAclCommand({ Bucket, Key: 'doc', VersionId: versions[1], ACL: 'public-read' }),
    );
    expect(await aclOf(versions[1])).toEqual(['FULL_CONTROL:acl-owner', `READ:${ALL_USERS}`]);
    expect(await aclOf(versions[2])).toEqual(['FULL_CONTROL:acl-owner']);
    expect(await aclOf()).toEqual(['FULL_CONTROL:acl-owner']);
  });

  it("an ACL set without versionId is the current version's, read back by its version id", async () => {
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'doc', ACL: 'public-read' }));
    expect(await aclOf(versions[2])).toEqual(['FULL_CONTROL:acl-owner', `READ:${ALL_USERS}`]);
    expect(await aclOf(versions[0])).toEqual(['FULL_CONTROL:acl-owner']);
  });

  it('answers NoSuchVersion for an unknown version and MethodNotAllowed for a delete marker', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc', VersionId: versions[0] }));
    await expect(aclOf(versions[0])).rejects.toMatchObject({ name: 'NoSuchVersion' });
    const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc' }));
    await expect(aclOf(marker.VersionId)).rejects.toMatchObject({ $metadata: { httpStatusCode: 405 } });
  });
});
