import {
  ListObjectsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sdkGateway } from './support.js';

// The gateway keeps its own state under ".bucketkit-gateway/" in the bucket. A delimiter that occurs
// in that name (".", "a", "g", ...) must not surface it as a common prefix of the client's listing.
describe('listing with a delimiter found inside the gateway reserved prefix', () => {
  const Bucket = 'lst';
  const served = sdkGateway({}, Bucket);

  const put = (Key: string) => served.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));

  it('shows only the client keys cut at "a" and ".", in V1 and V2', async () => {
    // versioning state is one of the gateway's own objects in the bucket
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    for (const key of ['bar', 'baz', 'cab', 'foo', 'b.ar', 'c.ab']) await put(key);

    const v1 = await served.s3.send(new ListObjectsCommand({ Bucket, Delimiter: 'a' }));
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b.a', 'ba', 'c.a', 'ca']);
    expect(v1.Contents?.map((o) => o.Key)).toEqual(['foo']);

    const v2 = await served.s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '.' }));
    expect(v2.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b.', 'c.']);
    expect(v2.KeyCount).toBe(6);
  });

  it('keeps a client prefix that shares its start with the reserved name', async () => {
    await put('.profile');
    await put('.zshrc');
    const dot = await served.s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '.' }));
    expect(dot.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['.', 'b.', 'c.']);

    const underDot = await served.s3.send(new ListObjectsV2Command({ Bucket, Prefix: '.' }));
    expect(underDot.Contents?.map((o) => o.Key)).toEqual(['.profile', '.zshrc']);

    // ".zshrc" sorts after the reserved keys: found past them
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'z', Body: 'z' }));
    const cutAtB = await served.s3.send(new ListObjectsV2Command({ Bucket, Prefix: '.', Delimiter: 'b' }));
    expect(cutAtB.CommonPrefixes).toBeUndefined();
    expect(cutAtB.Contents?.map((o) => o.Key)).toEqual(['.profile', '.zshrc']);
  });
});
