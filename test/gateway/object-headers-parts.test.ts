import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signedRequest } from './raw.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Issue #18, "Found": GetObject/HeadObject with `partNumber`, and the representation headers
 * (Cache-Control, Expires, Content-Disposition, Content-Encoding, Content-Language) stored and returned.
 * Before, a partNumber request got the whole object with 200 and those headers were dropped.
 */
describe('partNumber and stored representation headers', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const Bucket = 'parts';
  const sizes = [7, 7, 7, 3];
  const bytes = Buffer.from(Array.from({ length: 24 }, (_, i) => 65 + i));

  beforeAll(async () => {
    gw = await startGateway({ limits: { minPartSize: 1 } });
    s3 = sdkClient(gw.endpoint);
    expect((await signedRequest(gw.endpoint, { method: 'PUT', path: `/${Bucket}` })).status).toBe(200);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'multi' }));
    const parts = [];
    let offset = 0;
    for (const [i, size] of sizes.entries()) {
      const Body = bytes.subarray(offset, offset + size);
      offset += size;
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body }),
      );
      parts.push({ ETag, PartNumber: i + 1 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'multi',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'single', Body: 'single part body' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'empty', Body: '' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  it('GET partNumber of a multipart object is that part: 206, its range, x-amz-mp-parts-count', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'multi', PartNumber: 2 }));
    expect(await got.Body!.transformToString()).toBe(bytes.subarray(7, 14).toString());
    expect([got.$metadata.httpStatusCode, got.ContentRange, got.PartsCount, got.ContentLength]).toEqual([
      206,
      'bytes 7-13/24',
      4,
      7,
    ]);
    const last = await s3.send(new HeadObjectCommand({ Bucket, Key: 'multi', PartNumber: 4 }));
    expect([last.$metadata.httpStatusCode, last.ContentLength, last.PartsCount]).toEqual([206, 3, 4]);
    expect(last.ETag).toMatch(/-4"$/);
  });

  it('a part past the last is 416 InvalidPartNumber; partNumber 0 or with a Range is a 400', async () => {
    const past = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}/multi`,
      query: 'partNumber=5',
    });
    expect([past.status, errorCode(past)]).toEqual([416, 'InvalidPartNumber']);
    const zero = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}/multi`,
      query: 'partNumber=0',
    });
    expect([zero.status, errorCode(zero)]).toEqual([400, 'InvalidArgument']);
    const both = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}/multi`,
      query: 'partNumber=1',
      headers: { range: 'bytes=0-1' },
    });
    expect([both.status, errorCode(both)]).toEqual([400, 'InvalidRequest']);
  });

  it('a single-part object: partNumber=1 is the whole object (206, no parts count), partNumber=2 is 416', async () => {
    const one = await s3.send(new GetObjectCommand({ Bucket, Key: 'single', PartNumber: 1 }));
    expect(await one.Body!.transformToString()).toBe('single part body');
    expect([one.$metadata.httpStatusCode, one.ContentRange, one.PartsCount]).toEqual([
      206,
      'bytes 0-15/16',
      undefined,
    ]);
    const two = await signedRequest(gw.endpoint, {
      method: 'HEAD',
      path: `/${Bucket}/single`,
      query: 'partNumber=2',
    });
    expect(two.status).toBe(416);
    const empty = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${Bucket}/empty`,
      query: 'partNumber=1',
    });
    expect([empty.status, empty.body]).toEqual([200, '']);
  });

  const stored = {
    CacheControl: 'max-age=600, public',
    ContentDisposition: 'attachment; filename="report.csv"',
    ContentEncoding: 'gzip',
    ContentLanguage: 'de-CH',
    Expires: new Date('2031-01-02T03:04:05Z'),
  };
  const shown = (o: Partial<Record<keyof typeof stored, unknown>> & { ExpiresString?: string }) => ({
    CacheControl: o.CacheControl,
    ContentDisposition: o.ContentDisposition,
    ContentEncoding: o.ContentEncoding,
    ContentLanguage: o.ContentLanguage,
    Expires: o.ExpiresString,
  });
  const expected = { ...stored, Expires: stored.Expires.toUTCString() };

  it('PUT stores Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires; GET and HEAD return them', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'h', Body: 'x', ...stored }));
    expect(shown(await s3.send(new HeadObjectCommand({ Bucket, Key: 'h' })))).toEqual(expected);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'h' }));
    expect(shown(got)).toEqual(expected);
    expect(await got.Body!.transformToString()).toBe('x');
  });

  it('multipart create keeps them; copy keeps them (COPY) or takes the request’s (REPLACE)', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'hm', ...stored }));
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'hm', UploadId, PartNumber: 1, Body: 'p' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'hm',
        UploadId,
        MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
      }),
    );
    expect(shown(await s3.send(new HeadObjectCommand({ Bucket, Key: 'hm' })))).toEqual(expected);
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'hc', CopySource: `${Bucket}/hm` }));
    expect(shown(await s3.send(new HeadObjectCommand({ Bucket, Key: 'hc' })))).toEqual(expected);
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'hr',
        CopySource: `${Bucket}/hm`,
        MetadataDirective: 'REPLACE',
        CacheControl: 'no-store',
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket, Key: 'hr' }));
    expect(shown(replaced)).toEqual({ CacheControl: 'no-store' });
  });

  it('aws-chunked is not stored as a Content-Encoding; presigned response-* overrides win', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${Bucket}/enc`,
      body: 'plain',
      headers: { 'content-encoding': 'aws-chunked' },
    });
    expect(res.status).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'enc' }))).ContentEncoding).toBeUndefined();
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket,
        Key: 'h',
        ResponseCacheControl: 'no-cache',
        ResponseContentDisposition: 'inline',
      }),
    );
    const fetched = await fetch(url);
    expect([fetched.headers.get('cache-control'), fetched.headers.get('content-disposition')]).toEqual([
      'no-cache',
      'inline',
    ]);
    expect(fetched.headers.get('content-language')).toBe('de-CH');
    await fetched.body?.cancel();
  });
});
