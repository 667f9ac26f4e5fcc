import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signedRequest } from './raw.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/** S3 behaviours an independent conformance run found wrong (issue #18, "Found by that run"). */
describe('S3 semantics the conformance run found wrong', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const Bucket = 'compat';

  beforeAll(async () => {
    gw = await startGateway({ limits: { minPartSize: 1 } });
    s3 = sdkClient(gw.endpoint);
    for (const name of [Bucket, 'compat-b', 'other-c']) {
      expect((await signedRequest(gw.endpoint, { method: 'PUT', path: `/${name}` })).status).toBe(200);
    }
    for (const Key of ['a', 'b', 'c']) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  it('max-keys=0 lists nothing and is not truncated (V1, V2)', async () => {
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 0 }));
    expect([v2.IsTruncated, v2.KeyCount, v2.Contents ?? []]).toEqual([false, 0, []]);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 0 }));
    expect([v1.IsTruncated, v1.Contents ?? []]).toEqual([false, []]);
  });

  it('an empty continuation-token starts from the beginning', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}`,
      query: 'continuation-token=&list-type=2',
    });
    expect(res.status).toBe(200);
    expect([...res.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])).toEqual(['a', 'b', 'c']);
  });

  it('ListObjects V1 shows Prefix as given without encoding-type, encoded with it', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'sp ace/x', Body: 'x' }));
    const plain = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}`,
      query: 'prefix=sp%20ace%2F',
    });
    expect(plain.body).toContain('<Prefix>sp ace/</Prefix>');
    expect(plain.body).toContain('<Key>sp ace/x</Key>');
    const encoded = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}`,
      query: 'encoding-type=url&prefix=sp%20ace%2F',
    });
    expect(encoded.body).toContain('<Prefix>sp%20ace/</Prefix>');
    await signedRequest(gw.endpoint, { method: 'DELETE', path: `/${Bucket}/sp%20ace/x` });
  });

  it('ListBuckets honours prefix, max-buckets and continuation-token', async () => {
    const all = await s3.send(new ListBucketsCommand({}));
    expect(all.Buckets?.map((b) => b.Name)).toEqual(['compat', 'compat-b', 'other-c']);
    const first = await s3.send(new ListBucketsCommand({ Prefix: 'compat', MaxBuckets: 1 }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(['compat']);
    expect(first.Prefix).toBe('compat');
    expect(first.ContinuationToken).toBeTruthy();
    const second = await s3.send(
      new ListBucketsCommand({ Prefix: 'compat', MaxBuckets: 1, ContinuationToken: first.ContinuationToken }),
    );
    expect(second.Buckets?.map((b) => b.Name)).toEqual(['compat-b']);
    expect(second.ContinuationToken).toBeUndefined();
    const bad = await signedRequest(gw.endpoint, { method: 'GET', path: '/', query: 'max-buckets=0' });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'InvalidArgument']);
  });

  it('If-None-Match: <etag> on PUT: 412 when it matches the current object, written otherwise', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'inm', Body: 'one' }));
    const refused = await s3
      .send(new PutObjectCommand({ Bucket, Key: 'inm', Body: 'two', IfNoneMatch: ETag }))
      .then(
        () => 200,
        (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
      );
    expect(refused).toBe(412);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'inm', Body: 'three', IfNoneMatch: '"0123"' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'inm' }));
    expect(await got.Body?.transformToString()).toBe('three');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'inm-new', Body: 'new', IfNoneMatch: ETag }));
  });

  async function upload(Key: string, parts: string[]) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) {
      etags.push(
        (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag!,
      );
    }
    return { UploadId: UploadId!, etags };
  }

  it('completing a completed upload again answers 200 with the same ETag', async () => {
    const { UploadId, etags } = await upload('twice', ['part one ', 'part two']);
    const MultipartUpload = { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) };
    const first = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'twice', UploadId, MultipartUpload }),
    );
    const again = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'twice', UploadId, MultipartUpload }),
    );
    expect(again.ETag).toBe(first.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'twice' }));
    expect(await got.Body?.transformToString()).toBe('part one part two');
    const otherKey = await signedRequest(gw.endpoint, {
      method: 'POST',
      path: `/${Bucket}/elsewhere`,
      query: `uploadId=${UploadId}`,
      body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    });
    expect([otherKey.status, errorCode(otherKey)]).toEqual([404, 'NoSuchUpload']);
  });

  it('a part number listed twice in Complete is taken once (the last entry)', async () => {
    const { UploadId, etags } = await upload('repeat', ['first ', 'second']);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'repeat',
        UploadId,
        MultipartUpload: {
          Parts: [
            { ETag: etags[0], PartNumber: 1 },
            { ETag: etags[0], PartNumber: 1 },
            { ETag: etags[1], PartNumber: 2 },
          ],
        },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'repeat' }));
    expect([head.ContentLength, head.ETag]).toEqual([12, done.ETag]);
  });
});
