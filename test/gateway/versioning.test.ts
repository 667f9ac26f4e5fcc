import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { errorCode, signedRequest } from './raw.js';
import { sdkClient, sdkGateway, startGateway } from './support.js';

/**
 * Versioning (issue #18): what an AWS SDK v3 user sees — version ids, ListObjectVersions with delete
 * markers, null versions, suspended buckets, reads, copies and deletes by version id — over folders.
 */

const served = sdkGateway();

async function versionedBucket(Bucket: string): Promise<void> {
  await served.s3.send(new CreateBucketCommand({ Bucket }));
  await served.s3.send(
    new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
}

const put = async (Bucket: string, Key: string, Body: string) =>
  (await served.s3.send(new PutObjectCommand({ Bucket, Key, Body }))).VersionId!;

const read = async (Bucket: string, Key: string, VersionId?: string) =>
  (
    await served.s3.send(new GetObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }))
  ).Body!.transformToString();

/**
 * Every version and marker of a bucket as [key, versionId, isLatest, kind], in the document's order
 * (the SDK splits versions from markers), paging by `pageSize` with the markers each page gives.
 */
async function allVersions(
  Bucket: string,
  pageSize = 1000,
  extra: { Prefix?: string; Delimiter?: string } = {},
) {
  const seen: Array<[string, string, boolean, 'v' | 'm']> = [];
  const prefixes: string[] = [];
  let markers: Record<string, string> = {};
  const text = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  const encode = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  for (let page = 0; page < 100; page++) {
    const params: Record<string, string> = {
      ...(extra.Delimiter ? { delimiter: extra.Delimiter } : {}),
      ...(extra.Prefix ? { prefix: extra.Prefix } : {}),
      ...markers,
      'max-keys': String(pageSize),
      versions: '',
    };
    const query = Object.keys(params)
      .sort()
      .map((k) => `${k}=${encode(params[k]!)}`)
      .join('&');
    const res = await signedRequest(served.gw.endpoint, { method: 'GET', path: `/${Bucket}`, query });
    expect(res.status, res.body).toBe(200);
    for (const [, kind, inner] of res.body.matchAll(/<(Version|DeleteMarker)>(.*?)<\/\1>/g)) {
      seen.push([
        text(inner!, 'Key')!,
        text(inner!, 'VersionId')!,
        text(inner!, 'IsLatest') === 'true',
        kind === 'Version' ? 'v' : 'm',
      ]);
    }
    for (const [, prefix] of res.body.matchAll(
      /<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g,
    )) {
      prefixes.push(prefix!);
    }
    if (text(res.body, 'IsTruncated') !== 'true') return { versions: seen, prefixes };
    const version = text(res.body, 'NextVersionIdMarker');
    markers = {
      'key-marker': text(res.body, 'NextKeyMarker')!,
      ...(version ? { 'version-id-marker': version } : {}),
    };
  }
  throw new Error('listing did not end');
}

describe('versioning with the AWS SDK v3', () => {
  it('GetBucketVersioning is empty until enabled, then Enabled, then Suspended', async () => {
    await served.s3.send(new CreateBucketCommand({ Bucket: 'state' }));
    expect(
      (await served.s3.send(new GetBucketVersioningCommand({ Bucket: 'state' }))).Status,
    ).toBeUndefined();
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'state', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    expect((await served.s3.send(new GetBucketVersioningCommand({ Bucket: 'state' }))).Status).toBe(
      'Enabled',
    );
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'state', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect((await served.s3.send(new GetBucketVersioningCommand({ Bucket: 'state' }))).Status).toBe(
      'Suspended',
    );
  });

  it('refuses MFA delete and malformed configurations', async () => {
    await expect(
      served.s3.send(
        new PutBucketVersioningCommand({
          Bucket: 'state',
          VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' },
          MFA: 'arn:aws:iam::1:mfa/root 123456',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
    const bad = await signedRequest(served.gw.endpoint, {
      method: 'PUT',
      path: '/state',
      query: 'versioning=',
      body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>',
    });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'MalformedXML']);
    expect((await served.s3.send(new GetBucketVersioningCommand({ Bucket: 'state' }))).Status).toBe(
      'Suspended',
    );
  });

  it('keeps every version: ids on PUT, reads by id, the newest without one', async () => {
    await versionedBucket('keep');
    const ids = [
      await put('keep', 'doc.txt', 'one'),
      await put('keep', 'doc.txt', 'two'),
      await put('keep', 'doc.txt', 'three'),
    ];
    expect(new Set(ids).size).toBe(3);
    expect(await read('keep', 'doc.txt')).toBe('three');
    expect(await Promise.all(ids.map((id) => read('keep', 'doc.txt', id)))).toEqual(['one', 'two', 'three']);
    const head = await served.s3.send(
      new HeadObjectCommand({ Bucket: 'keep', Key: 'doc.txt', VersionId: ids[0] }),
    );
    expect([head.ContentLength, head.VersionId]).toEqual([3, ids[0]]);
    expect((await served.s3.send(new HeadObjectCommand({ Bucket: 'keep', Key: 'doc.txt' }))).VersionId).toBe(
      ids[2],
    );
    // the plain listing shows the key once
    const listed = await served.s3.send(new ListObjectsV2Command({ Bucket: 'keep' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['doc.txt', 5]]);
    const { versions } = await allVersions('keep');
    expect(versions).toEqual([
      ['doc.txt', ids[2], true, 'v'],
      ['doc.txt', ids[1], false, 'v'],
      ['doc.txt', ids[0], false, 'v'],
    ]);
  });

  it('answers NoSuchVersion for an unknown id and 400 for a malformed one', async () => {
    await expect(read('keep', 'doc.txt', '00000000000000000000v')).rejects.toMatchObject({
      name: 'NoSuchVersion',
    });
    const bad = await signedRequest(served.gw.endpoint, {
      method: 'GET',
      path: '/keep/doc.txt',
      query: 'versionId=nope',
    });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'InvalidArgument']);
  });

  it('delete markers: DELETE adds one, GET answers 404 with x-amz-delete-marker, the marker version 405', async () => {
    await versionedBucket('marks');
    const v1 = await put('marks', 'gone.txt', 'still here');
    const deleted = await served.s3.send(new DeleteObjectCommand({ Bucket: 'marks', Key: 'gone.txt' }));
    expect(deleted.DeleteMarker).toBe(true);
    const marker = deleted.VersionId!;
    expect(marker).not.toBe(v1);
    const missing = await signedRequest(served.gw.endpoint, { method: 'GET', path: '/marks/gone.txt' });
    expect([
      missing.status,
      errorCode(missing),
      missing.headers['x-amz-delete-marker'],
      missing.headers['x-amz-version-id'],
    ]).toEqual([404, 'NoSuchKey', 'true', marker]);
    const onMarker = await signedRequest(served.gw.endpoint, {
      method: 'HEAD',
      path: '/marks/gone.txt',
      query: `versionId=${marker}`,
    });
    expect([onMarker.status, onMarker.headers['x-amz-delete-marker']]).toEqual([405, 'true']);
    expect(await read('marks', 'gone.txt', v1)).toBe('still here');
    expect((await served.s3.send(new ListObjectsV2Command({ Bucket: 'marks' }))).Contents ?? []).toEqual([]);
    expect((await allVersions('marks')).versions).toEqual([
      ['gone.txt', marker, true, 'm'],
      ['gone.txt', v1, false, 'v'],
    ]);
    // removing the marker brings the object back
    const undone = await served.s3.send(
      new DeleteObjectCommand({ Bucket: 'marks', Key: 'gone.txt', VersionId: marker }),
    );
    expect([undone.DeleteMarker, undone.VersionId]).toEqual([true, marker]);
    expect(await read('marks', 'gone.txt')).toBe('still here');
  });

  it('deleting the newest version makes the one before it current', async () => {
    await versionedBucket('undo');
    const v1 = await put('undo', 'k', 'first');
    const v2 = await put('undo', 'k', 'second');
    await served.s3.send(new DeleteObjectCommand({ Bucket: 'undo', Key: 'k', VersionId: v2 }));
    expect(await read('undo', 'k')).toBe('first');
    expect((await served.s3.send(new HeadObjectCommand({ Bucket: 'undo', Key: 'k' }))).VersionId).toBe(v1);
    await served.s3.send(new DeleteObjectCommand({ Bucket: 'undo', Key: 'k', VersionId: v1 }));
    await expect(read('undo', 'k')).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect((await allVersions('undo')).versions).toEqual([]);
    // a bucket without versions can go
    await served.s3.send(new DeleteBucketCommand({ Bucket: 'undo' }));
  });

  it('a bucket that still holds versions cannot be deleted', async () => {
    await versionedBucket('full');
    await put('full', 'x', 'x');
    await served.s3.send(new DeleteObjectCommand({ Bucket: 'full', Key: 'x' }));
    await expect(served.s3.send(new DeleteBucketCommand({ Bucket: 'full' }))).rejects.toMatchObject({
      name: 'BucketNotEmpty',
    });
  });

  it('objects written before versioning are the null version, kept when overwritten', async () => {
    await served.s3.send(new CreateBucketCommand({ Bucket: 'legacy' }));
    await put('legacy', 'old.txt', 'from before');
    expect((await allVersions('legacy')).versions).toEqual([['old.txt', 'null', true, 'v']]);
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'legacy', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    expect((await allVersions('legacy')).versions).toEqual([['old.txt', 'null', true, 'v']]);
    const v1 = await put('legacy', 'old.txt', 'after');
    expect(await read('legacy', 'old.txt', 'null')).toBe('from before');
    expect(await read('legacy', 'old.txt')).toBe('after');
    expect((await allVersions('legacy')).versions).toEqual([
      ['old.txt', v1, true, 'v'],
      ['old.txt', 'null', false, 'v'],
    ]);
  });

  it('a suspended bucket writes the null version, replacing the previous null one, and keeps the others', async () => {
    await versionedBucket('paused');
    const v1 = await put('paused', 'k', 'versioned');
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'paused', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect(await put('paused', 'k', 'null one')).toBe('null');
    expect(await put('paused', 'k', 'null two')).toBe('null');
    expect(await read('paused', 'k')).toBe('null two');
    expect(await read('paused', 'k', 'null')).toBe('null two');
    expect(await read('paused', 'k', v1)).toBe('versioned');
    expect((await allVersions('paused')).versions).toEqual([
      ['k', 'null', true, 'v'],
      ['k', v1, false, 'v'],
    ]);
    // DELETE in a suspended bucket: a null delete marker replaces the null version
    const gone = await served.s3.send(new DeleteObjectCommand({ Bucket: 'paused', Key: 'k' }));
    expect([gone.DeleteMarker, gone.VersionId]).toEqual([true, 'null']);
    expect((await allVersions('paused')).versions).toEqual([
      ['k', 'null', true, 'm'],
      ['k', v1, false, 'v'],
    ]);
  });

  it('CopyObject reads the version the source names and reports it', async () => {
    await versionedBucket('copies');
    const v1 = await put('copies', 'src', 'old body');
    await put('copies', 'src', 'new body');
    const copied = await served.s3.send(
      new CopyObjectCommand({ Bucket: 'copies', Key: 'dst', CopySource: `copies/src?versionId=${v1}` }),
    );
    expect(copied.CopySourceVersionId).toBe(v1);
    expect(copied.VersionId).toMatch(/^[0-9a-f]{20}v$/);
    expect(await read('copies', 'dst')).toBe('old body');
    // restoring an old version over the key itself is allowed (it names a version)
    await served.s3.send(
      new CopyObjectCommand({ Bucket: 'copies', Key: 'src', CopySource: `copies/src?versionId=${v1}` }),
    );
    expect(await read('copies', 'src')).toBe('old body');
    expect((await allVersions('copies', 1000, { Prefix: 'src' })).versions).toHaveLength(3);
  });

  it('multipart uploads complete into a new version', async () => {
    await versionedBucket('parts');
    const first = await put('parts', 'big', 'small first');
    const { UploadId } = await served.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'big' }),
    );
    const part = await served.s3.send(
      new UploadPartCommand({ Bucket: 'parts', Key: 'big', UploadId, PartNumber: 1, Body: 'assembled' }),
    );
    const done = await served.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'parts',
        Key: 'big',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    expect(done.VersionId).toMatch(/^[0-9a-f]{20}v$/);
    expect(await read('parts', 'big')).toBe('assembled');
    expect(await read('parts', 'big', first)).toBe('small first');
    // UploadPartCopy of a range of the older, longer version
    const copy = await served.s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'piece' }));
    const copied = await served.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'parts',
        Key: 'piece',
        UploadId: copy.UploadId,
        PartNumber: 1,
        CopySource: `parts/big?versionId=${first}`,
        CopySourceRange: 'bytes=6-10',
      }),
    );
    await served.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'parts',
        Key: 'piece',
        UploadId: copy.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag! }] },
      }),
    );
    expect(await read('parts', 'piece')).toBe('first');
  });

  it('DeleteObjects adds markers, and removes the versions it names', async () => {
    await versionedBucket('batch');
    const a1 = await put('batch', 'a', 'a');
    await put('batch', 'b', 'b');
    const out = await served.s3.send(
      new DeleteObjectsCommand({
        Bucket: 'batch',
        Delete: { Objects: [{ Key: 'a', VersionId: a1 }, { Key: 'b' }] },
      }),
    );
    const byKey = Object.fromEntries((out.Deleted ?? []).map((d) => [d.Key, d]));
    expect(byKey.a).toMatchObject({ VersionId: a1 });
    expect(byKey.b).toMatchObject({ DeleteMarker: true });
    expect(byKey.b!.DeleteMarkerVersionId).toMatch(/^[0-9a-f]{20}m$/);
    const { versions } = await allVersions('batch');
    expect(versions.map(([k, , latest, kind]) => [k, latest, kind])).toEqual([
      ['b', true, 'm'],
      ['b', false, 'v'],
    ]);
  });

  it('ListObjectVersions pages by key and version markers, with prefix and delimiter', async () => {
    await versionedBucket('pages');
    const expected: Array<[string, string]> = [];
    for (const key of ['a', 'a/x', 'a!', 'b/1', 'b/2', 'c']) {
      const ids = [await put('pages', key, `${key}1`), await put('pages', key, `${key}2`)];
      expected.push([key, ids[1]!], [key, ids[0]!]);
    }
    await put('pages', 'sub/deep/file', 'x');
    await served.s3.send(new DeleteObjectCommand({ Bucket: 'pages', Key: 'c' }));
    const whole = await allVersions('pages');
    const onePerPage = await allVersions('pages', 1);
    const threePerPage = await allVersions('pages', 3);
    expect(onePerPage).toEqual(whole);
    expect(threePerPage).toEqual(whole);
    // keys in byte order ('a!' before 'a/x'), newest first within a key
    expect(
      whole.versions.filter(([k]) => k !== 'c' && k !== 'sub/deep/file').map(([k, id]) => [k, id]),
    ).toEqual(
      [...expected.filter(([k]) => k !== 'c')].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)),
    );
    const grouped = await allVersions('pages', 1000, { Delimiter: '/' });
    expect(grouped.prefixes).toEqual(['a/', 'b/', 'sub/']);
    expect([...new Set(grouped.versions.map(([k]) => k))]).toEqual(['a', 'a!', 'c']);
    const pagedGroups = await allVersions('pages', 1, { Delimiter: '/' });
    expect(pagedGroups).toEqual(grouped);
    const underB = await allVersions('pages', 1000, { Prefix: 'b/' });
    expect(underB.versions.map(([k]) => k)).toEqual(['b/1', 'b/1', 'b/2', 'b/2']);
  });

  it('never loses a version: 20 concurrent writers to one key make 20 versions, over two gateways on one folder', async () => {
    await versionedBucket('race');
    // a second gateway over the same folders: its own process state, as another process would have
    const { folderBuckets, createGateway } = await import('../../src/gateway/index.js');
    const buckets = folderBuckets(served.gw.root, { durable: false });
    const other = await createGateway({
      buckets,
      credentials: [
        { accessKeyId: 'AKIDGATEWAYTEST', secretAccessKey: 'gateway-test-secret-key-0123456789' },
      ],
    }).listen(0, '127.0.0.1');
    const s3b = sdkClient(other.endpoint);
    try {
      const bodies = Array.from({ length: 20 }, (_, i) => `writer ${i}`);
      const ids = await Promise.all(
        bodies.map(
          async (Body, i) =>
            (await (i % 2 ? s3b : served.s3).send(new PutObjectCommand({ Bucket: 'race', Key: 'hot', Body })))
              .VersionId!,
        ),
      );
      expect(new Set(ids).size).toBe(20);
      const { versions } = await allVersions('race');
      expect(versions.map(([, id]) => id).sort()).toEqual([...ids].sort());
      const stored = await Promise.all(ids.map((id) => read('race', 'hot', id)));
      expect(stored).toEqual(bodies);
    } finally {
      s3b.destroy();
      await other.close();
      await buckets.close?.();
    }
  });
});

describe('versioning with server-side encryption', () => {
  it('every version of an SSE-S3 object is stored sealed and reads back by id', async () => {
    const sealed = await startGateway({ encryption: { keys: { k1: randomBytes(32) }, activeKey: 'k1' } });
    const client = sdkClient(sealed.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'vault' }));
      await client.send(
        new PutBucketVersioningCommand({ Bucket: 'vault', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      const bodies = ['secret-version-one-4f1c', 'secret-version-two-9a2e'];
      const ids: string[] = [];
      for (const Body of bodies) {
        const out = await client.send(
          new PutObjectCommand({ Bucket: 'vault', Key: 's', Body, ServerSideEncryption: 'AES256' }),
        );
        ids.push(out.VersionId!);
      }
      const got = await Promise.all(
        ids.map(async (VersionId) =>
          (
            await client.send(new GetObjectCommand({ Bucket: 'vault', Key: 's', VersionId }))
          ).Body!.transformToString(),
        ),
      );
      expect(got).toEqual(bodies);
      const current = await client.send(new GetObjectCommand({ Bucket: 'vault', Key: 's' }));
      expect([await current.Body!.transformToString(), current.ServerSideEncryption]).toEqual([
        bodies[1],
        'AES256',
      ]);
      for (const file of await filesUnder(sealed.root)) {
        const bytes = await readFile(file);
        for (const body of bodies) expect(bytes.includes(Buffer.from(body)), file).toBe(false);
      }
    } finally {
      client.destroy();
      await sealed.stop();
    }
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('versioning over erasure (a port without conditional writes)', () => {
  it('keeps versions, markers and reads by id', async () => {
    const { erasure } = await import('../../src/erasure/index.js');
    const { memoryStorage } = await import('../../src/index.js');
    const { createGateway, staticBuckets } = await import('../../src/gateway/index.js');
    const port = erasure([memoryStorage(), memoryStorage(), memoryStorage()], { parity: 1 });
    const listening = await createGateway({
      buckets: staticBuckets({ spread: port }),
      credentials: [
        { accessKeyId: 'AKIDGATEWAYTEST', secretAccessKey: 'gateway-test-secret-key-0123456789' },
      ],
    }).listen(0, '127.0.0.1');
    const client = sdkClient(listening.endpoint);
    try {
      await client.send(
        new PutBucketVersioningCommand({ Bucket: 'spread', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      const ids: string[] = [];
      for (const Body of ['first', 'second']) {
        ids.push((await client.send(new PutObjectCommand({ Bucket: 'spread', Key: 'k', Body }))).VersionId!);
      }
      const marker = await client.send(new DeleteObjectCommand({ Bucket: 'spread', Key: 'k' }));
      expect(marker.DeleteMarker).toBe(true);
      const first = await client.send(
        new GetObjectCommand({ Bucket: 'spread', Key: 'k', VersionId: ids[0] }),
      );
      expect(await first.Body!.transformToString()).toBe('first');
      await client.send(
        new DeleteObjectCommand({ Bucket: 'spread', Key: 'k', VersionId: marker.VersionId! }),
      );
      const current = await client.send(new GetObjectCommand({ Bucket: 'spread', Key: 'k' }));
      expect([await current.Body!.transformToString(), current.VersionId]).toEqual(['second', ids[1]]);
    } finally {
      client.destroy();
      await listening.close();
    }
  });
});
