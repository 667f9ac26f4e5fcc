import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../support/debian.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, sdkGateway, startGateway } from './support.js';

const run = promisify(execFile);

/** Issue #18 item 4: object tagging (Put/Get/Delete, x-amz-tagging on PUT, Copy, Create) and bucket tagging. */
describe('tagging', () => {
  const Bucket = 'tags';
  const tagsOf = async (Key: string) =>
    ((await served.s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet ?? []).map((t) => [
      t.Key,
      t.Value,
    ]);
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { name: string }) => e.name,
    );

  const served = sdkGateway({ limits: { minPartSize: 1 } }, Bucket);

  it('x-amz-tagging on PUT is kept; GET and HEAD count the tags; PutObjectTagging replaces, Delete removes', async () => {
    await served.s3.send(
      new PutObjectCommand({ Bucket, Key: 'a', Body: 'body a', Tagging: 'team=ml&tier=hot+cold' }),
    );
    expect(await tagsOf('a')).toEqual([
      ['team', 'ml'],
      ['tier', 'hot cold'],
    ]);
    expect((await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'a' }))).TagCount).toBe(2);
    await served.s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'a', Tagging: { TagSet: [{ Key: 'only', Value: 'één' }] } }),
    );
    expect(await tagsOf('a')).toEqual([['only', 'één']]);
    const got = await served.s3.send(new GetObjectCommand({ Bucket, Key: 'a' }));
    expect([got.TagCount, await got.Body!.transformToString()]).toEqual([1, 'body a']);
    await served.s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'a' }));
    expect(await tagsOf('a')).toEqual([]);
    expect((await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'a' }))).TagCount).toBeUndefined();
  });

  it('a PUT without tags replaces a tagged object untagged', async () => {
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'same', Tagging: 'x=1' }));
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'same' }));
    expect(await tagsOf('b')).toEqual([]);
  });

  it('limits: 10 tags of 128-character keys and 256-character values are kept; 11 tags, longer keys or values, duplicates are InvalidTag', async () => {
    const TagSet = Array.from({ length: 10 }, (_, i) => ({
      Key: `${i}`.padEnd(128, 'k'),
      Value: `${i}`.padEnd(256, 'v'),
    }));
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'max', Body: 'm' }));
    await served.s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'max', Tagging: { TagSet } }));
    expect(await tagsOf('max')).toEqual(TagSet.map((t) => [t.Key, t.Value]));
    expect((await served.s3.send(new HeadObjectCommand({ Bucket, Key: 'max' }))).TagCount).toBe(10);
    for (const bad of [
      [...TagSet, { Key: 'eleven', Value: '' }],
      [{ Key: 'k'.repeat(129), Value: '' }],
      [{ Key: 'k', Value: 'v'.repeat(257) }],
      [
        { Key: 'k', Value: '1' },
        { Key: 'k', Value: '2' },
      ],
    ]) {
      expect(
        await codeOf(
          served.s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'max', Tagging: { TagSet: bad } })),
        ),
      ).toBe('InvalidTag');
    }
    expect(
      await codeOf(served.s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'c', Tagging: 'a=1&a=2' }))),
    ).toBe('InvalidTag');
    expect(await tagsOf('max')).toHaveLength(10);
  });

  it('CopyObject copies the tags, or with tagging-directive REPLACE takes x-amz-tagging; multipart create keeps them', async () => {
    await served.s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 's', Tagging: 'from=src' }));
    await served.s3.send(new CopyObjectCommand({ Bucket, Key: 'copied', CopySource: `${Bucket}/src` }));
    expect(await tagsOf('copied')).toEqual([['from', 'src']]);
    await served.s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'replaced',
        CopySource: `${Bucket}/src`,
        TaggingDirective: 'REPLACE',
        Tagging: 'new=1',
      }),
    );
    expect(await tagsOf('replaced')).toEqual([['new', '1']]);
    await served.s3.send(new CopyObjectCommand({ Bucket, Key: 'bigcopy', CopySource: `${Bucket}/max` }));
    expect(await tagsOf('bigcopy')).toHaveLength(10);
    const { UploadId } = await served.s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'mp', Tagging: 'mp=yes' }),
    );
    const { ETag } = await served.s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'p' }),
    );
    await served.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
      }),
    );
    expect(await tagsOf('mp')).toEqual([['mp', 'yes']]);
  });

  it('tagging a missing key is NoSuchKey', async () => {
    expect(await codeOf(served.s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'nope' })))).toBe(
      'NoSuchKey',
    );
    expect(
      await codeOf(
        served.s3.send(
          new PutObjectTaggingCommand({
            Bucket,
            Key: 'nope',
            Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
          }),
        ),
      ),
    ).toBe('NoSuchKey');
  });

  it('versioned bucket: tags per version, by versionId; the current version’s tags are the key’s', async () => {
    const Bucket = 'tags-versioned';
    await served.s3.send(new CreateBucketCommand({ Bucket }));
    await served.s3.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v1 = await served.s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'v=1' }));
    const v2 = await served.s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', Tagging: 'v=2' }));
    const tagsAt = async (VersionId?: string) =>
      (
        (
          await served.s3.send(
            new GetObjectTaggingCommand({ Bucket, Key: 'k', ...(VersionId ? { VersionId } : {}) }),
          )
        ).TagSet ?? []
      ).map((t) => `${t.Key}=${t.Value}`);
    expect([await tagsAt(v1.VersionId), await tagsAt(v2.VersionId), await tagsAt()]).toEqual([
      ['v=1'],
      ['v=2'],
      ['v=2'],
    ]);
    const put = await served.s3.send(
      new PutObjectTaggingCommand({
        Bucket,
        Key: 'k',
        VersionId: v1.VersionId,
        Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] },
      }),
    );
    expect(put.VersionId).toBe(v1.VersionId);
    expect([await tagsAt(v1.VersionId), await tagsAt()]).toEqual([['old=yes'], ['v=2']]);
    await served.s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'new', Value: 'yes' }] } }),
    );
    expect([await tagsAt(v2.VersionId), await tagsAt()]).toEqual([['new=yes'], ['new=yes']]);
    await served.s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v2.VersionId }));
    expect([await tagsAt(v2.VersionId), await tagsAt(), await tagsAt(v1.VersionId)]).toEqual([
      [],
      [],
      ['old=yes'],
    ]);
    const got = await served.s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v1.VersionId }));
    expect([await got.Body!.transformToString(), got.TagCount]).toEqual(['one', 1]);
  });

  it('bucket tagging: NoSuchTagSet, then set, read, deleted', async () => {
    expect(await codeOf(served.s3.send(new GetBucketTaggingCommand({ Bucket })))).toBe('NoSuchTagSet');
    await served.s3.send(
      new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'cost', Value: 'lab' }] } }),
    );
    expect((await served.s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([
      { Key: 'cost', Value: 'lab' },
    ]);
    await served.s3.send(new DeleteBucketTaggingCommand({ Bucket }));
    expect(await codeOf(served.s3.send(new GetBucketTaggingCommand({ Bucket })))).toBe('NoSuchTagSet');
  });

  it('aws-cli s3api put-object-tagging / get-object-tagging', async () => {
    requireDebian('awscli');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
    };
    const aws = async (...args: string[]) =>
      (
        await run('/usr/bin/aws', ['--endpoint-url', served.gw.endpoint, 's3api', ...args], {
          env,
          timeout: 60_000,
        })
      ).stdout;
    await aws('put-object', '--bucket', Bucket, '--key', 'cli', '--tagging', 'by=cli');
    await aws(
      'put-object-tagging',
      '--bucket',
      Bucket,
      '--key',
      'cli',
      '--tagging',
      'TagSet=[{Key=by,Value=cli2}]',
    );
    expect(JSON.parse(await aws('get-object-tagging', '--bucket', Bucket, '--key', 'cli')).TagSet).toEqual([
      { Key: 'by', Value: 'cli2' },
    ]);
  }, 60_000);
});

describe('tagging notifications', () => {
  it('PutObjectTagging and DeleteObjectTagging send ObjectTagging:Put and ObjectTagging:Delete', async () => {
    const events: string[] = [];
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (d) => {
        text += d;
      });
      req.on('end', () => {
        const body = JSON.parse(text) as {
          Records?: { eventName: string; s3: { object: { key: string } } }[];
        };
        for (const r of body.Records ?? []) events.push(`${r.eventName} ${r.s3.object.key}`);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const arn = 'arn:aws:sqs:us-east-1:123456789012:tag-events';
    const gw = await startGateway({
      notificationTargets: { [arn]: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` },
    });
    const s3 = sdkClient(gw.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'tag-events' }));
      await s3.send(new PutObjectCommand({ Bucket: 'tag-events', Key: 'k', Body: 'b' }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'tag-events',
          NotificationConfiguration: {
            QueueConfigurations: [{ QueueArn: arn, Events: ['s3:ObjectTagging:*'] }],
          },
        }),
      );
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'tag-events',
          Key: 'k',
          Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
        }),
      );
      await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'tag-events', Key: 'k' }));
      const deadline = Date.now() + 20_000;
      while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events.sort()).toEqual(['ObjectTagging:Delete k', 'ObjectTagging:Put k']);
    } finally {
      s3.destroy();
      await gw.stop();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  }, 60_000);
});
