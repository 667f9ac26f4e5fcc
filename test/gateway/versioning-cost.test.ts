import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { fileStorage, memoryStorage, type StoragePort } from '../../src/index.js';
import { recording } from './recording-port.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

/**
 * Versioning costs an unversioned bucket nothing (issue #18): every call the gateway makes to the
 * bucket's port is recorded, and a PUT, GET, HEAD, listing and DELETE of an unversioned bucket make
 * exactly the calls they made before versioning existed — the bucket's state is read once per 5 s.
 */

/**
 * Per-bucket configuration the gateway reads and caches for 5 s (versioning state, ACLs, CORS, ...):
 * not per request, so left out of the exact lists, and bounded separately.
 */
const isConfigRead = (call: string) => /^(get|head) \.bucketkit-gateway\/(?!versions\/)/.test(call);

/** A gateway over these buckets, each recording its port calls into `calls`, and an SDK client of it. */
async function recordedGateway(
  calls: string[],
  ports: Record<string, StoragePort>,
): Promise<{ s3: S3Client; close: () => Promise<void> }> {
  const buckets = Object.fromEntries(
    Object.entries(ports).map(([name, port]) => [name, recording(port, calls)]),
  );
  const gateway = createGateway({
    buckets: staticBuckets(buckets),
    credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
  });
  const listening = await gateway.listen(0, '127.0.0.1');
  const s3 = sdkClient(listening.endpoint);
  return {
    s3,
    close: async () => {
      s3.destroy();
      await listening.close();
    },
  };
}

describe('versioning costs unversioned buckets nothing', () => {
  const calls: string[] = [];
  let s3: S3Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ s3, close } = await recordedGateway(calls, {
      plain: memoryStorage(),
      versioned: memoryStorage(),
      older: memoryStorage(),
    }));
  });
  afterAll(async () => {
    await close?.();
  });

  async function run(Bucket: string): Promise<string[]> {
    calls.length = 0;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'body' }));
    await (await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }))).Body!.transformToString();
    await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    await s3.send(new ListObjectsV2Command({ Bucket }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    return [...calls];
  }

  it('PUT, GET, HEAD, list and DELETE make one port call each', async () => {
    const started = Date.now();
    await run('plain'); // the first request reads the bucket's state
    const warm = await run('plain');
    const stateReads = warm.filter((c) => c === 'get .bucketkit-gateway/versioning.json').length;
    // another read only when the 5 s cache ran out between the runs
    expect(stateReads).toBeLessThanOrEqual(Math.floor((Date.now() - started) / 5_000));
    expect(warm.filter((c) => !c.includes('versioning.json'))).toEqual([
      'put k',
      'get k',
      'head k',
      'list ',
      'delete k',
    ]);
  });

  it('the same requests on a versioned bucket: the writes keep versions, GET and HEAD stay one call', async () => {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await run('versioned'); // the first requests read what the gateway keeps per bucket
    const made = (await run('versioned')).filter((c) => !isConfigRead(c));
    // versioning was enabled on an empty bucket: every current object names its version, so no write
    // needs to look at the key first
    expect(made.map((c) => c.replace(/[0-9a-f]{20}[vm]$/, 'ID'))).toEqual([
      // PUT: the version written create-only, its copy at the key
      'put .bucketkit-gateway/versions/k/ID',
      'copy .bucketkit-gateway/versions/k/ID',
      'get k',
      'head k',
      // a listing that meets the versions lists on past them rather than through them
      'list ',
      'list ',
      // DELETE: a delete marker, the key's copy removed
      'put .bucketkit-gateway/versions/k/ID',
      'delete k',
    ]);
  });

  it('a bucket that held objects when versioning was enabled looks at the key before each write', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'older', Key: 'before', Body: 'unversioned' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'older', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await run('older');
    const made = (await run('older')).filter((c) => !isConfigRead(c));
    expect(made.map((c) => c.replace(/[0-9a-f]{20}[vm]$/, 'ID'))).toEqual([
      // PUT: is there a current object (an unnamed one is kept as the null version), the version, its copy
      'head k',
      'put .bucketkit-gateway/versions/k/ID',
      'copy .bucketkit-gateway/versions/k/ID',
      'get k',
      'head k',
      'list ',
      'list ',
      // DELETE: the current object (kept as it is), a delete marker, the key's copy removed
      'head k',
      'put .bucketkit-gateway/versions/k/ID',
      'delete k',
    ]);
  });
});

describe('a versioned PUT costs the same whatever number of versions its key has', () => {
  const calls: string[] = [];
  let s3: S3Client;
  let close: () => Promise<void>;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bk-versioning-cost-'));
    ({ s3, close } = await recordedGateway(calls, {
      files: fileStorage(root, { durable: false }),
      memory: memoryStorage(),
    }));
  });
  afterAll(async () => {
    await close?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The port calls of one PUT of `Key`, version ids made alike. */
  async function putCalls(Bucket: string, Key: string): Promise<string[]> {
    calls.length = 0;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'body' }));
    return calls.filter((c) => !isConfigRead(c)).map((c) => c.replace(/[0-9a-f]{20}v$/, 'ID'));
  }

  it.each([
    // the file port writes the version and the key's copy in one call
    ['files', ['putMirrored .bucketkit-gateway/versions/k/ID']],
    ['memory', ['put .bucketkit-gateway/versions/k/ID', 'copy .bucketkit-gateway/versions/k/ID']],
  ])('%s: the 1st and the 60th version of a key make the same calls, none a listing', async (Bucket, one) => {
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await putCalls(Bucket, 'warm'); // the first request reads what the gateway keeps per bucket
    expect(await putCalls(Bucket, 'k')).toEqual(one);
    for (let i = 2; i < 60; i++) await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: `v${i}` }));
    expect(await putCalls(Bucket, 'k')).toEqual(one);
  });
});
