/**
 * The gateway in front of `delta(port)`: a delta-compressing S3 proxy. Stock S3 clients put and get
 * versioned archives; the folder behind holds DeltaGlider's layout (reference.bin + .delta files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delta } from '../../src/delta/index.js';
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { versionPair } from '../delta/edits.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

describe('gateway → delta(file): a delta-compressing S3 proxy', () => {
  let root: string;
  let folder: StoragePort;
  let close: () => Promise<void>;
  let endpoint: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bk-gw-delta-'));
    folder = fileStorage(root, { durable: false });
    const listening = await createGateway({
      buckets: staticBuckets({ releases: delta(folder) }),
      credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    }).listen(0, '127.0.0.1');
    endpoint = listening.endpoint;
    close = () => listening.close();
  });
  afterAll(async () => {
    await close();
    await rm(root, { recursive: true, force: true });
  });

  it('stores versions as deltas behind the S3 API and serves them back byte-exact', async () => {
    const s3 = sdkClient(endpoint);
    const { source: v1, target: v2 } = versionPair(300_000, 7);
    await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'app/app-1.0.zip', Body: v1 }));
    await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'app/app-1.1.zip', Body: v2 }));

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'releases', Prefix: 'app/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['app/app-1.0.zip', v1.length],
      ['app/app-1.1.zip', v2.length],
    ]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'releases', Key: 'app/app-1.1.zip' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(v2))).toBe(true);

    // behind the proxy: DeltaGlider's layout, and far fewer bytes than the two versions
    const stored = new Map<string, number>();
    for await (const entry of folder.list({ prefix: 'app/' }))
      if (entry.type === 'object') stored.set(entry.key, entry.size);
    expect([...stored.keys()].sort()).toEqual([
      'app/app-1.0.zip.delta',
      'app/app-1.1.zip.delta',
      'app/reference.bin',
    ]);
    const deltas = (stored.get('app/app-1.0.zip.delta') ?? 0) + (stored.get('app/app-1.1.zip.delta') ?? 0);
    expect(deltas).toBeLessThan(v2.length / 4);
    s3.destroy();
  });
});
