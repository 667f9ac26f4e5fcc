import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { multipartEtag } from '../../src/storage/index.js';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';
import { requireDebian } from '../support/debian.js';
import { selfSignedCert } from './clients-fixture.js';
import { MIB, sdkClient, sdkGateway, startGateway } from './support.js';

const status = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const codeOf = (err: unknown) => (err as { name?: string }).name;

describe('gateway with @aws-sdk/client-s3', () => {
  const Bucket = 'sdk';
  const served = sdkGateway({}, Bucket);

  it('creates, heads, lists and locates buckets; refuses a duplicate and a bad name', async () => {
    await served.s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    const { Buckets } = await served.s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual(['other', 'sdk']);
    expect((await served.s3.send(new HeadBucketCommand({ Bucket: 'other' }))).$metadata.httpStatusCode).toBe(
      200,
    );
    expect(
      (await served.s3.send(new GetBucketLocationCommand({ Bucket: 'other' }))).LocationConstraint,
    ).toBeUndefined();
    // re-creating your own bucket is 200 in us-east-1, as S3 answers there (409 in other regions)
    const dup = await served.s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    expect(dup.$metadata.httpStatusCode).toBe(200);
    const bad = await served.s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })).catch((e) => e);
    expect(codeOf(bad)).toBe('InvalidBucketName');
    await served.s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'x', Body: 'x' }));
    const notEmpty = await served.s3.send(new DeleteBucketCommand({ Bucket: 'other' })).catch((e) => e);
    expect(codeOf(notEmpty)).toBe('BucketNotEmpty');
    await served.s3.send(new DeleteObjectCommand({ Bucket: 'other', Key: 'x' }));
    await served.s3.send(new DeleteBucketCommand({ Bucket: 'other' }));
    const gone = await served.s3.send(new HeadBucketCommand({ Bucket: 'other' })).catch((e) => e);
    expect(status(gone)).toBe(404);
    const missing = await served.s3.send(new ListObjectsV2Command({ Bucket: 'nope' })).catch((e) => e);
    expect(codeOf(missing)).toBe('NoSuchBucket');
  });

  it('puts and gets with metadata, content type, ranges (suffix too) and response overrides', async () => {
    const body = pseudoRandomBytes(10_000, 7);
    const put = await served.s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'obj/a.bin',
        Body: body,
        ContentType: 'application/x-test',
        Metadata: { owner: 'ada' },
      }),
    );
    expect(put.ETag).toBe(`"${md5Hex(body)}"`);
    const head = await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'obj/a.bin' }));
    expect(head).toMatchObject({
      ContentLength: 10_000,
      ContentType: 'application/x-test',
      Metadata: { owner: 'ada' },
    });
    const whole = await served.s3.send(new GetObjectCommand({ Bucket, Key: 'obj/a.bin' }));
    expect(await whole.Body!.transformToByteArray()).toEqual(body);
    const ranged = await served.s3.send(
      new GetObjectCommand({ Bucket, Key: 'obj/a.bin', Range: 'bytes=100-199' }),
    );
    expect(ranged.ContentRange).toBe('bytes 100-199/10000');
    expect(await ranged.Body!.transformToByteArray()).toEqual(body.subarray(100, 200));
    const suffix = await served.s3.send(
      new GetObjectCommand({ Bucket, Key: 'obj/a.bin', Range: 'bytes=-10' }),
    );
    expect(await suffix.Body!.transformToByteArray()).toEqual(body.subarray(9990));
    const open = await served.s3.send(
      new GetObjectCommand({ Bucket, Key: 'obj/a.bin', Range: 'bytes=9995-' }),
    );
    expect(await open.Body!.transformToByteArray()).toEqual(body.subarray(9995));
    const past = await served.s3
      .send(new GetObjectCommand({ Bucket, Key: 'obj/a.bin', Range: 'bytes=20000-' }))
      .catch((e) => e);
    expect([codeOf(past), status(past)]).toEqual(['InvalidRange', 416]);
    const overridden = await served.s3.send(
      new GetObjectCommand({
        Bucket,
        Key: 'obj/a.bin',
        ResponseContentType: 'text/plain',
        ResponseContentDisposition: 'attachment; filename="a.bin"',
        ResponseCacheControl: 'no-cache',
      }),
    );
    expect(overridden).toMatchObject({
      ContentType: 'text/plain',
      ContentDisposition: 'attachment; filename="a.bin"',
      CacheControl: 'no-cache',
    });
    await overridden.Body!.transformToByteArray();
    const none = await served.s3.send(new GetObjectCommand({ Bucket, Key: 'obj/none' })).catch((e) => e);
    expect([codeOf(none), status(none)]).toEqual(['NoSuchKey', 404]);
  });

  it('honours If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since on reads', async () => {
    const put = await served.s3.send(new PutObjectCommand({ Bucket, Key: 'cond/r', Body: 'read me' }));
    const ok = await served.s3.send(new GetObjectCommand({ Bucket, Key: 'cond/r', IfMatch: put.ETag }));
    expect(await ok.Body!.transformToString()).toBe('read me');
    const wrong = await served.s3
      .send(new GetObjectCommand({ Bucket, Key: 'cond/r', IfMatch: '"0000"' }))
      .catch((e) => e);
    expect(status(wrong)).toBe(412);
    const cached = await served.s3
      .send(new GetObjectCommand({ Bucket, Key: 'cond/r', IfNoneMatch: put.ETag }))
      .catch((e) => e);
    expect(status(cached)).toBe(304);
    const future = new Date(Date.now() + 3600_000);
    const past = new Date(Date.now() - 3600_000);
    const notModified = await served.s3
      .send(new HeadObjectCommand({ Bucket, Key: 'cond/r', IfModifiedSince: future }))
      .catch((e) => e);
    expect(status(notModified)).toBe(304);
    const modified = await served.s3.send(
      new HeadObjectCommand({ Bucket, Key: 'cond/r', IfModifiedSince: past }),
    );
    expect(modified.ETag).toBe(put.ETag);
    const unmodified = await served.s3
      .send(new HeadObjectCommand({ Bucket, Key: 'cond/r', IfUnmodifiedSince: past }))
      .catch((e) => e);
    expect(status(unmodified)).toBe(412);
  });

  it('honours If-None-Match: * and If-Match on writes (one winner of 10 racers)', async () => {
    const first = await served.s3.send(
      new PutObjectCommand({ Bucket, Key: 'cond/w', Body: 'v1', IfNoneMatch: '*' }),
    );
    const again = await served.s3
      .send(new PutObjectCommand({ Bucket, Key: 'cond/w', Body: 'v2', IfNoneMatch: '*' }))
      .catch((e) => e);
    expect(status(again)).toBe(412);
    const stale = await served.s3
      .send(
        new PutObjectCommand({
          Bucket,
          Key: 'cond/w',
          Body: 'v3',
          IfMatch: '"00000000000000000000000000000000"',
        }),
      )
      .catch((e) => e);
    expect(status(stale)).toBe(412);
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'cond/w', Body: 'v4', IfMatch: first.ETag }));
    expect(
      await (await served.s3.send(new GetObjectCommand({ Bucket, Key: 'cond/w' }))).Body!.transformToString(),
    ).toBe('v4');
    const racers = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        served.s3.send(new PutObjectCommand({ Bucket, Key: 'cond/race', Body: `w${i}`, IfNoneMatch: '*' })),
      ),
    );
    expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('copies with COPY and REPLACE directives, url-encoded sources and copy-source conditions', async () => {
    const put = await served.s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'copy/src ü+%.txt',
        Body: 'copy me',
        ContentType: 'text/plain',
        Metadata: { a: '1' },
      }),
    );
    const source = `${Bucket}/${encodeURIComponent('copy/src ü+%.txt')}`;
    const copied = await served.s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copy/dst', CopySource: source }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(put.ETag);
    expect(await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'copy/dst' }))).toMatchObject({
      ContentType: 'text/plain',
      Metadata: { a: '1' },
    });
    await served.s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copy/dst',
        CopySource: source,
        MetadataDirective: 'REPLACE',
        Metadata: { b: '2' },
        ContentType: 'text/x-new',
      }),
    );
    const replaced = await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'copy/dst' }));
    expect(replaced).toMatchObject({ ContentType: 'text/x-new', Metadata: { b: '2' } });
    const guarded = await served.s3
      .send(
        new CopyObjectCommand({ Bucket, Key: 'copy/dst2', CopySource: source, CopySourceIfMatch: '"abc"' }),
      )
      .catch((e) => e);
    expect(status(guarded)).toBe(412);
    const self = await served.s3
      .send(new CopyObjectCommand({ Bucket, Key: 'copy/dst', CopySource: `${Bucket}/copy/dst` }))
      .catch((e) => e);
    expect(codeOf(self)).toBe('InvalidRequest');
  });

  it('lists V1 and V2 with prefix, delimiter, max-keys, markers, opaque tokens and encoding-type=url', async () => {
    const keys = ['l/a', 'l/b/1', 'l/b/2', 'l/c', 'l/d/1', 'l/e\u0001ctl', 'l/f'];
    for (const Key of keys) await served.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const seen: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await served.s3.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: 'l/',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken,
          EncodingType: 'url',
        }),
      );
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(
        ...(page.Contents ?? []).map((c) => decodeURIComponent(c.Key!)),
        ...(page.CommonPrefixes ?? []).map((p) => decodeURIComponent(p.Prefix!)),
      );
      ContinuationToken = page.NextContinuationToken;
      if (ContinuationToken) expect(ContinuationToken).not.toContain('l/');
    } while (ContinuationToken);
    expect(seen.sort()).toEqual(['l/a', 'l/b/', 'l/c', 'l/d/', 'l/e\u0001ctl', 'l/f']);
    const after = await served.s3.send(
      new ListObjectsV2Command({ Bucket, Prefix: 'l/', StartAfter: 'l/b/1' }),
    );
    expect(after.Contents?.map((c) => c.Key)).toEqual(['l/b/2', 'l/c', 'l/d/1', 'l/e\u0001ctl', 'l/f']);
    const v1: string[] = [];
    let Marker: string | undefined;
    for (;;) {
      const page = await served.s3.send(new ListObjectsCommand({ Bucket, Prefix: 'l/', MaxKeys: 3, Marker }));
      v1.push(...(page.Contents ?? []).map((c) => c.Key!));
      if (!page.IsTruncated) break;
      Marker = page.NextMarker ?? page.Contents?.at(-1)?.Key;
    }
    expect(v1).toEqual(keys);
    const big = await served.s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 5000 }));
    expect(big.MaxKeys).toBe(1000);
    const bad = await served.s3
      .send(new ListObjectsV2Command({ Bucket, ContinuationToken: 'not-a-token' }))
      .catch((e) => e);
    expect(status(bad)).toBe(400);
    const versions = await served.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'l/b/' }));
    expect(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['l/b/1', 'null', true],
      ['l/b/2', 'null', true],
    ]);
  });

  it('deletes one key idempotently and many keys with DeleteObjects (Quiet too)', async () => {
    for (const Key of ['del/1', 'del/2', 'del/3'])
      await served.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    expect(
      (await served.s3.send(new DeleteObjectCommand({ Bucket, Key: 'del/none' }))).$metadata.httpStatusCode,
    ).toBe(204);
    const out = await served.s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'del/1' }, { Key: 'del/2' }] } }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['del/1', 'del/2']);
    const quiet = await served.s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: [{ Key: 'del/3' }] } }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    expect((await served.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'del/' }))).KeyCount).toBe(0);
  });

  it('multipart: parts, part copy with range, ListParts, ETag checks, EntityTooSmall, md5-of-md5s-N', async () => {
    const a = pseudoRandomBytes(5 * MIB, 11);
    const b = pseudoRandomBytes(3 * MIB, 12);
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'mp/source', Body: b }));
    const { UploadId } = await served.s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'mp/obj', ContentType: 'x/mp', Metadata: { k: 'v' } }),
    );
    const p1 = await served.s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp/obj', UploadId, PartNumber: 1, Body: a }),
    );
    const p2 = await served.s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: 'mp/obj',
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/mp/source`,
        CopySourceRange: 'bytes=0-1048575',
      }),
    );
    expect(p1.ETag).toBe(`"${md5Hex(a)}"`);
    const parts = await served.s3.send(new ListPartsCommand({ Bucket, Key: 'mp/obj', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MIB],
      [2, MIB],
    ]);
    const uploads = await served.s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['mp/obj', UploadId]]);
    expect((await served.s3.send(new ListObjectsV2Command({ Bucket, Prefix: '.' }))).KeyCount).toBe(0);
    const badEtag = await served.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mp/obj',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"ffff"' }] },
        }),
      )
      .catch((e) => e);
    expect(codeOf(badEtag)).toBe('InvalidPart');
    const order = await served.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mp/obj',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
              { PartNumber: 1, ETag: p1.ETag },
            ],
          },
        }),
      )
      .catch((e) => e);
    expect(codeOf(order)).toBe('InvalidPartOrder');
    const done = await served.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp/obj',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toBe(`"${multipartEtag([md5Hex(a), md5Hex(b.subarray(0, MIB))])}"`);
    const head = await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'mp/obj' }));
    expect(head).toMatchObject({
      ETag: done.ETag,
      ContentLength: 6 * MIB,
      ContentType: 'x/mp',
      Metadata: { k: 'v' },
    });
    const got = await (
      await served.s3.send(new GetObjectCommand({ Bucket, Key: 'mp/obj' }))
    ).Body!.transformToByteArray();
    expect(md5Hex(got)).toBe(md5Hex(new Uint8Array([...a, ...b.subarray(0, MIB)])));
    expect((await served.s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);

    const small = await served.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp/small' }));
    const s1 = await served.s3.send(
      new UploadPartCommand({
        Bucket,
        Key: 'mp/small',
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: 'tiny',
      }),
    );
    const s2 = await served.s3.send(
      new UploadPartCommand({
        Bucket,
        Key: 'mp/small',
        UploadId: small.UploadId,
        PartNumber: 2,
        Body: 'end',
      }),
    );
    const tooSmall = await served.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mp/small',
          UploadId: small.UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: s1.ETag },
              { PartNumber: 2, ETag: s2.ETag },
            ],
          },
        }),
      )
      .catch((e) => e);
    expect(codeOf(tooSmall)).toBe('EntityTooSmall');
    await served.s3.send(
      new AbortMultipartUploadCommand({ Bucket, Key: 'mp/small', UploadId: small.UploadId }),
    );
    const aborted = await served.s3
      .send(new ListPartsCommand({ Bucket, Key: 'mp/small', UploadId: small.UploadId }))
      .catch((e) => e);
    expect(codeOf(aborted)).toBe('NoSuchUpload');
  });

  it('lib-storage Upload sends a 20 MiB stream multipart; it downloads byte-exact', async () => {
    const data = pseudoRandomBytes(20 * MIB, 21);
    const upload = new Upload({
      client: served.s3,
      params: { Bucket, Key: 'big/20mib', Body: data },
      partSize: 5 * MIB,
      queueSize: 4,
    });
    const out = await upload.done();
    expect(out.ETag).toMatch(/-4"$/);
    const got = await (
      await served.s3.send(new GetObjectCommand({ Bucket, Key: 'big/20mib' }))
    ).Body!.transformToByteArray();
    expect(md5Hex(got)).toBe(md5Hex(data));
  });

  it('presigned GET and PUT URLs work with plain fetch', async () => {
    const putUrl = await getSignedUrl(served.s3, new PutObjectCommand({ Bucket, Key: 'presigned/x.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via presign' })).status).toBe(200);
    const getUrl = await getSignedUrl(served.s3, new GetObjectCommand({ Bucket, Key: 'presigned/x.txt' }), {
      expiresIn: 60,
    });
    const res = await fetch(getUrl);
    expect(await res.text()).toBe('via presign');
  });

  it('answers CORS preflights from the cors option only', async () => {
    const res = await fetch(`${served.gw.endpoint}/${Bucket}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    });
    expect(res.status).toBe(403);
    const open = await startGateway({ cors: { origins: ['https://app.example'] } });
    try {
      const ok = await fetch(`${open.endpoint}/b/x`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(ok.headers.get('access-control-allow-methods')).toContain('PUT');
      const other = await fetch(`${open.endpoint}/b/x`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(other.status).toBe(403);
    } finally {
      await open.stop();
    }
  });

  it('addresses buckets virtual-hosted style when the Host is <bucket>.<suffix>', async () => {
    const vhost = await startGateway({ hostSuffixes: ['s3.local'], allowAnonymous: true });
    const client = sdkClient(vhost.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'vhost' }));
      await client.send(new PutObjectCommand({ Bucket: 'vhost', Key: 'dir/a b.txt', Body: 'hosted' }));
      const port = new URL(vhost.endpoint).port;
      const { request } = await import('node:http');
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/dir/a%20b.txt', headers: { host: `vhost.s3.local:${port}` } },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(text).toBe('hosted');
    } finally {
      client.destroy();
      await vhost.stop();
    }
  });

  it('serves HTTPS when given a certificate and key', async () => {
    requireDebian('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'bk-gw-tls-'));
    const { cert, key } = await selfSignedCert(dir);
    const tls = await startGateway({ tls: { cert: await readFile(cert), key: await readFile(key) } });
    const client = sdkClient(tls.endpoint, {
      requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: await readFile(cert) }) }),
    });
    try {
      expect(tls.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      await client.send(new CreateBucketCommand({ Bucket: 'tls-bucket' }));
      await client.send(new PutObjectCommand({ Bucket: 'tls-bucket', Key: 'k', Body: 'over tls' }));
      const got = await client.send(new GetObjectCommand({ Bucket: 'tls-bucket', Key: 'k' }));
      expect(await got.Body!.transformToString()).toBe('over tls');
    } finally {
      client.destroy();
      await tls.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
