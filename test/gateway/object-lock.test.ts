import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Object lock (issue #18) through the AWS SDK v3: a bucket created with object lock, its default
 * retention, per-version retention in GOVERNANCE (bypassable) and COMPLIANCE (not), legal holds, and
 * deletes of protected versions refused as S3 refuses them, while a delete marker is always allowed.
 */

let gw: TestGateway;
let s3: S3Client;
const DAY = 86_400_000;

beforeAll(async () => {
  gw = await startGateway();
  s3 = sdkClient(gw.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
});
afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

const put = async (Key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
  (await s3.send(new PutObjectCommand({ Bucket: 'locked', Key, Body: Key, ...extra }))).VersionId!;
const removeVersion = (Key: string, VersionId: string, BypassGovernanceRetention?: boolean) =>
  s3.send(
    new DeleteObjectCommand({
      Bucket: 'locked',
      Key,
      VersionId,
      ...(BypassGovernanceRetention ? { BypassGovernanceRetention } : {}),
    }),
  );

describe('object lock with the AWS SDK v3', () => {
  it('a bucket created with object lock is versioned and has a lock configuration', async () => {
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }));
    expect(config.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    await expect(
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: 'locked',
          VersioningConfiguration: { Status: 'Suspended' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidBucketState' });
    await s3.send(new CreateBucketCommand({ Bucket: 'unlocked' }));
    await expect(
      s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'unlocked' })),
    ).rejects.toMatchObject({
      name: 'ObjectLockConfigurationNotFoundError',
    });
    await expect(
      s3.send(
        new PutObjectCommand({
          Bucket: 'unlocked',
          Key: 'k',
          Body: 'x',
          ObjectLockMode: 'GOVERNANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() + DAY),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('GOVERNANCE retention: the version cannot be deleted without the bypass header, with it it can', async () => {
    const until = new Date(Math.ceil((Date.now() + DAY) / 1000) * 1000);
    const v = await put('gov', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'gov', VersionId: v }));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate?.getTime()]).toEqual([
      'GOVERNANCE',
      until.getTime(),
    ]);
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'gov', VersionId: v }),
    );
    expect(retention.Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: until });
    await expect(removeVersion('gov', v)).rejects.toMatchObject({ name: 'AccessDenied' });
    // a delete marker is always allowed, and leaves the version in place
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'gov' }));
    expect(marker.DeleteMarker).toBe(true);
    await removeVersion('gov', marker.VersionId!);
    // shortening GOVERNANCE needs the bypass too
    await expect(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: 'gov',
          VersionId: v,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + DAY / 2) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await removeVersion('gov', v, true);
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'gov', VersionId: v })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('GOVERNANCE to COMPLIANCE is a change of the lock: refused without the bypass header, done with it', async () => {
    const until = new Date(Math.ceil((Date.now() + DAY) / 1000) * 1000);
    const v = await put('gov-mode', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until });
    const toCompliance = (BypassGovernanceRetention?: boolean) =>
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: 'gov-mode',
          VersionId: v,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until },
          ...(BypassGovernanceRetention ? { BypassGovernanceRetention } : {}),
        }),
      );
    await expect(toCompliance()).rejects.toMatchObject({ name: 'AccessDenied' });
    const still = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'gov-mode', VersionId: v }),
    );
    expect(still.Retention?.Mode).toBe('GOVERNANCE');
    await toCompliance(true);
    const now = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'gov-mode', VersionId: v }),
    );
    expect(now.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
  });

  it('DeleteObjects names the version of each refused deletion next to its key', async () => {
    const until = new Date(Date.now() + DAY);
    const held = await put('batch-held', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until });
    const free = await put('batch-free');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'locked',
        Delete: {
          Objects: [
            { Key: 'batch-held', VersionId: held },
            { Key: 'batch-free', VersionId: free },
          ],
        },
      }),
    );
    expect(out.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([
      ['batch-held', held, 'AccessDenied'],
    ]);
    expect(out.Deleted?.map((d) => [d.Key, d.VersionId])).toEqual([['batch-free', free]]);
    await removeVersion('batch-held', held, true);
  });

  it('COMPLIANCE retention: no delete and no shortening, bypass or not; extending is fine', async () => {
    const v = await put('comp');
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        Key: 'comp',
        VersionId: v,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + DAY) },
      }),
    );
    await expect(removeVersion('comp', v, true)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: 'comp',
          VersionId: v,
          BypassGovernanceRetention: true,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 2 * DAY) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const later = new Date(Math.ceil((Date.now() + 3 * DAY) / 1000) * 1000);
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        Key: 'comp',
        VersionId: v,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later },
      }),
    );
    const current = await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'comp' }));
    expect([current.ObjectLockMode, current.ObjectLockRetainUntilDate?.getTime()]).toEqual([
      'COMPLIANCE',
      later.getTime(),
    ]);
    // DeleteObjects refuses the version too, and reports it
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'locked', Delete: { Objects: [{ Key: 'comp', VersionId: v }] } }),
    );
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([['comp', 'AccessDenied']]);
  });

  it('legal hold: on blocks deletes whatever the retention, off releases', async () => {
    const v = await put('held', { ObjectLockLegalHoldStatus: 'ON' });
    expect(
      (await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held', VersionId: v })))
        .LegalHold,
    ).toEqual({ Status: 'ON' });
    await expect(removeVersion('held', v, true)).rejects.toMatchObject({ name: 'AccessDenied' });
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: 'locked',
        Key: 'held',
        VersionId: v,
        LegalHold: { Status: 'OFF' },
      }),
    );
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'held' }))).ObjectLockLegalHoldStatus,
    ).toBe('OFF');
    await removeVersion('held', v);
    await expect(
      s3.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'nothing' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('versionId=null names no version in a lock bucket: NoSuchVersion, not the current version', async () => {
    await put('no-null', { ObjectLockLegalHoldStatus: 'ON' });
    await expect(
      s3.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'no-null', VersionId: 'null' })),
    ).rejects.toMatchObject({ name: 'NoSuchVersion', $metadata: { httpStatusCode: 404 } });
    await expect(
      s3.send(
        new PutObjectLegalHoldCommand({
          Bucket: 'locked',
          Key: 'no-null',
          VersionId: 'null',
          LegalHold: { Status: 'OFF' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchVersion' });
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'no-null' }))).ObjectLockLegalHoldStatus,
    ).toBe('ON');
  });

  it('default retention applies to new versions; every new version is kept, none overwritten', async () => {
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'locked',
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } },
        },
      }),
    );
    expect(
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }))).ObjectLockConfiguration,
    ).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } },
    });
    const before = Date.now();
    const v1 = await put('defaulted');
    const v2 = await put('defaulted');
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'defaulted', VersionId: v1 }),
    );
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');
    const until = retention.Retention!.RetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2 * DAY - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * DAY + 1000);
    await expect(removeVersion('defaulted', v1)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(removeVersion('defaulted', v2)).rejects.toMatchObject({ name: 'AccessDenied' });
    const missingDays = await s3
      .send(
        new PutObjectLockConfigurationCommand({
          Bucket: 'locked',
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            Rule: { DefaultRetention: { Mode: 'GOVERNANCE' } },
          },
        }),
      )
      .catch((err: { name: string }) => err.name);
    expect(missingDays).toBe('MalformedXML');
  });
});
