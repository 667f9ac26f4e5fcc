import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sdkGateway } from './support.js';

/**
 * SSE-S3 objects show the MD5 of their plaintext as ETag, as S3's do (issue #19: it used to be the
 * stored ciphertext's), so clients that check an upload against its ETag (s3cmd) see it match.
 */
const t = sdkGateway(
  { encryption: { keys: { k1: randomBytes(32) }, activeKey: 'k1' }, limits: { minPartSize: 1 } },
  'etags',
);
const md5 = (text: string | Uint8Array) => `"${createHash('md5').update(text).digest('hex')}"`;
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
  );

describe('SSE-S3 ETags', () => {
  it('PUT, HEAD and GET answer the plaintext MD5; conditions compare against it; an overwrite changes it', async () => {
    const put = await t.s3.send(
      new PutObjectCommand({
        Bucket: 'etags',
        Key: 'a.txt',
        Body: 'secret text',
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(put.ETag).toBe(md5('secret text'));
    expect(put.ServerSideEncryption).toBe('AES256');
    expect((await t.s3.send(new HeadObjectCommand({ Bucket: 'etags', Key: 'a.txt' }))).ETag).toBe(
      md5('secret text'),
    );
    const got = await t.s3.send(
      new GetObjectCommand({ Bucket: 'etags', Key: 'a.txt', IfMatch: md5('secret text') }),
    );
    expect([got.ETag, await got.Body!.transformToString()]).toEqual([md5('secret text'), 'secret text']);
    expect(
      await status(
        t.s3.send(new GetObjectCommand({ Bucket: 'etags', Key: 'a.txt', IfNoneMatch: md5('secret text') })),
      ),
    ).toBe(304);
    await t.s3.send(
      new PutObjectCommand({
        Bucket: 'etags',
        Key: 'a.txt',
        Body: 'other text',
        ServerSideEncryption: 'AES256',
      }),
    );
    expect((await t.s3.send(new HeadObjectCommand({ Bucket: 'etags', Key: 'a.txt' }))).ETag).toBe(
      md5('other text'),
    );
  });

  it('a multipart upload sealed by the bucket default still completes with its md5-of-parts ETag', async () => {
    await t.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'etags',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'etags', Key: 'mp.bin' }),
    );
    const parts = [];
    for (const [i, body] of ['first part', 'second part'].entries()) {
      const part = await t.s3.send(
        new UploadPartCommand({ Bucket: 'etags', Key: 'mp.bin', UploadId, PartNumber: i + 1, Body: body }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag! });
    }
    const done = await t.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'etags',
        Key: 'mp.bin',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'etags', Key: 'mp.bin' }));
    expect([got.ETag, got.ServerSideEncryption, await got.Body!.transformToString()]).toEqual([
      done.ETag,
      'AES256',
      'first partsecond part',
    ]);
    // and a PUT sealed by the default shows its plaintext MD5 too
    const put = await t.s3.send(new PutObjectCommand({ Bucket: 'etags', Key: 'b.txt', Body: 'by default' }));
    expect([put.ETag, put.ServerSideEncryption]).toEqual([md5('by default'), 'AES256']);
  });
});
