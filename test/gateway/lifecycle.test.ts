import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, folderBuckets, type Gateway } from '../../src/gateway/index.js';
import { errorCode, signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

/**
 * Lifecycle (issue #18): the configuration through the AWS SDK v3, and the gateway's sweeper run with
 * an injected clock — expiration by days and date, prefix/tag/size filters, noncurrent versions (with
 * NewerNoncurrentVersions), delete markers left alone, incomplete multipart uploads, and versions under
 * object lock, which are never removed.
 */

const DAY = 86_400_000;
let now = Date.now();
let gateway: Gateway;
let endpoint: string;
let close: () => Promise<void>;
let root: string;
let s3: S3Client;
const buckets = () => folderBuckets(root, { durable: false });
let provider: ReturnType<typeof buckets>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bk-lifecycle-'));
  provider = buckets();
  gateway = createGateway({
    buckets: provider,
    credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    lifecycle: { clock: () => now },
  });
  ({ endpoint, close } = await gateway.listen(0, '127.0.0.1'));
  s3 = sdkClient(endpoint);
});
afterAll(async () => {
  s3?.destroy();
  await close?.();
  await provider?.close?.();
  if (root) await rm(root, { recursive: true, force: true });
});

const lifecycle = (Bucket: string, Rules: LifecycleRule[]) =>
  s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
const keys = async (Bucket: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key);
const versions = async (Bucket: string) => {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  return {
    versions: (out.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest]),
    markers: (out.DeleteMarkers ?? []).map((m) => [m.Key, m.IsLatest]),
  };
};
/** Sweeps as if `days` had passed since the test's start. */
const sweepAfter = (days: number) => {
  now = Date.now() + days * DAY;
  return gateway.sweepLifecycle();
};

describe('lifecycle configuration', () => {
  it('round-trips rules with filters and every supported action; DELETE removes them', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'config' }));
    await expect(
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'config' })),
    ).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration',
    });
    const rules: LifecycleRule[] = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      {
        ID: 'tmp',
        Status: 'Enabled',
        Filter: {
          And: { Prefix: 'tmp/', Tags: [{ Key: 'class', Value: 'scratch' }], ObjectSizeGreaterThan: 10 },
        },
        Expiration: { Date: new Date('2030-01-01T00:00:00Z') },
      },
      {
        ID: 'old',
        Status: 'Disabled',
        Filter: { ObjectSizeLessThan: 1000 },
        NoncurrentVersionExpiration: { NoncurrentDays: 7, NewerNoncurrentVersions: 2 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
      },
    ];
    await lifecycle('config', rules);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'config' }));
    expect(got.Rules).toEqual(rules);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'config' }));
    await expect(
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'config' })),
    ).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration',
    });
  });

  it('refuses transitions (501), rules without actions and dates not at midnight (400)', async () => {
    const put = (rule: string) =>
      signedRequest(endpoint, {
        method: 'PUT',
        path: '/config',
        query: 'lifecycle=',
        body: `<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter/>${rule}</Rule></LifecycleConfiguration>`,
      });
    const transition = await put(
      '<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>',
    );
    expect([transition.status, errorCode(transition)]).toEqual([501, 'NotImplemented']);
    expect((await put('')).status).toBe(400);
    expect((await put('<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>')).status).toBe(400);
  });

  it('answers a malformed transition with 400 before refusing transitions with 501', async () => {
    const put = (rule: string) =>
      signedRequest(endpoint, {
        method: 'PUT',
        path: '/config',
        query: 'lifecycle=',
        body: `<LifecycleConfiguration><Rule><ID>t</ID><Status>Enabled</Status><Prefix>p/</Prefix>${rule}</Rule></LifecycleConfiguration>`,
      });
    const expire = '<Expiration><Date>2031-09-27</Date></Expiration>';
    const notIso = await put(
      `${expire}<Transition><Date>20310927</Date><StorageClass>GLACIER</StorageClass></Transition>`,
    );
    expect([notIso.status, errorCode(notIso)]).toEqual([400, 'InvalidArgument']);
    const noClass = await put(`${expire}<Transition><Days>3</Days></Transition>`);
    expect([noClass.status, errorCode(noClass)]).toEqual([400, 'MalformedXML']);
    const both = await put(
      `${expire}<Transition><Days>3</Days><Date>2031-09-27</Date><StorageClass>GLACIER</StorageClass></Transition>`,
    );
    expect(both.status).toBe(400);
    const wellFormed = await put(
      `${expire}<Transition><Date>2031-09-27</Date><StorageClass>GLACIER</StorageClass></Transition>`,
    );
    expect([wellFormed.status, errorCode(wellFormed)]).toEqual([501, 'NotImplemented']);
    // the expiration date alone, as a plain ISO 8601 day, is accepted
    expect((await put(expire)).status).toBe(200);
    expect((await put('<Expiration><Date>27/09/2031</Date></Expiration>')).status).toBe(400);
  });
});

describe('the lifecycle sweeper', () => {
  it('expires current objects by days and by prefix, tag and size filters; nothing before they are due', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const put = (Key: string, Body: string, Tagging?: string) =>
      s3.send(new PutObjectCommand({ Bucket: 'plain', Key, Body, ...(Tagging ? { Tagging } : {}) }));
    await put('logs/a', 'a');
    await put('keep/b', 'b');
    await put('tmp/small', 'x', 'class=scratch');
    await put('tmp/large-tagged', 'a larger body', 'class=scratch');
    await put('tmp/large-untagged', 'a larger body');
    await lifecycle('plain', [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 2 } },
      {
        ID: 'tmp',
        Status: 'Enabled',
        Filter: {
          And: { Prefix: 'tmp/', Tags: [{ Key: 'class', Value: 'scratch' }], ObjectSizeGreaterThan: 5 },
        },
        Expiration: { Days: 1 },
      },
    ]);
    expect((await sweepAfter(0)).expired).toBe(0);
    expect(await keys('plain')).toEqual([
      'keep/b',
      'logs/a',
      'tmp/large-tagged',
      'tmp/large-untagged',
      'tmp/small',
    ]);
    await sweepAfter(2);
    expect(await keys('plain')).toEqual(['keep/b', 'logs/a', 'tmp/large-untagged', 'tmp/small']);
    await sweepAfter(3);
    expect(await keys('plain')).toEqual(['keep/b', 'tmp/large-untagged', 'tmp/small']);
  });

  it('versioned: expiry adds a delete marker, noncurrent versions go after their days keeping the newer ones, then the lone marker', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'history' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const ids: string[] = [];
    for (const body of ['v1', 'v2', 'v3']) {
      ids.push(
        (await s3.send(new PutObjectCommand({ Bucket: 'history', Key: 'doc', Body: body }))).VersionId!,
      );
    }
    await lifecycle('history', [
      {
        ID: 'trim',
        Status: 'Enabled',
        Filter: {},
        NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
      },
    ]);
    const trimmed = await sweepAfter(2);
    expect(trimmed.noncurrentRemoved).toBe(1);
    expect((await versions('history')).versions).toEqual([
      ['doc', ids[2], true],
      ['doc', ids[1], false],
    ]);
    await lifecycle('history', [
      { ID: 'expire', Status: 'Enabled', Filter: {}, Expiration: { Days: 5 } },
      { ID: 'trim', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
    ]);
    expect((await sweepAfter(6)).expired).toBe(1);
    expect((await versions('history')).markers).toEqual([['doc', true]]);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'history', Key: 'doc' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    // a day after the marker, the versions behind it are noncurrent long enough; then the marker is alone
    const later = await sweepAfter(8);
    expect([later.noncurrentRemoved, later.markersRemoved]).toEqual([2, 1]);
    expect(await versions('history')).toEqual({ versions: [], markers: [] });
  });

  it('never removes a version under object lock, and does once its retention has passed', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    const until = new Date(Date.now() + 10 * DAY);
    const kept = (
      await s3.send(
        new PutObjectCommand({
          Bucket: 'vault',
          Key: 'record',
          Body: 'keep for ten days',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: until,
        }),
      )
    ).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'record', Body: 'newer' }));
    await lifecycle('vault', [
      { ID: 'trim', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
    ]);
    const early = await sweepAfter(3);
    expect([early.noncurrentRemoved, early.locked]).toEqual([0, 1]);
    const read = await s3.send(new GetObjectCommand({ Bucket: 'vault', Key: 'record', VersionId: kept }));
    expect(await read.Body!.transformToString()).toBe('keep for ten days');
    const late = await sweepAfter(11);
    expect([late.noncurrentRemoved, late.locked]).toEqual([1, 0]);
  });

  it('aborts incomplete multipart uploads after their days', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'big/one' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'other/two' }));
    await lifecycle('uploads', [
      {
        ID: 'abort',
        Status: 'Enabled',
        Filter: { Prefix: 'big/' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    expect((await sweepAfter(0)).uploadsAborted).toBe(0);
    expect((await sweepAfter(2)).uploadsAborted).toBe(1);
    const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect((left.Uploads ?? []).map((u) => u.Key)).toEqual(['other/two']);
  });

  it('an unversioned DELETE still works next to a configuration (the sweeper is the only one that applies it)', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'keep/b' }));
    expect(await keys('plain')).toEqual(['tmp/large-untagged', 'tmp/small']);
  });
});
