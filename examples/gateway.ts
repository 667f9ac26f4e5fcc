/**
 * bucketkit/gateway: serve any storage port over the S3 API — here a folder per bucket plus an
 * erasure-coded bucket over four folders — and use it with the stock AWS SDK.
 * Run: npx tsx examples/gateway.ts
 */
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { erasure } from '../src/erasure/index.js';
import { createGateway, folderBuckets, staticBuckets } from '../src/gateway/index.js';
import { fileStorage } from '../src/index.js';

const keys = { accessKeyId: 'demo-key', secretAccessKey: 'demo-secret-key' };

function client(endpoint: string, secretAccessKey = keys.secretAccessKey): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { ...keys, secretAccessKey },
  });
}

export async function gatewayTour(root = './.bucketkit-demo/gateway', log = console.log): Promise<void> {
  const folders = await createGateway({
    buckets: folderBuckets(join(root, 'buckets')),
    credentials: [keys],
  }).listen(0, '127.0.0.1');
  const s3 = client(folders.endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cats/tom.txt', Body: 'meow' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cats/tom.txt' }));
    log(`the AWS SDK wrote and read back: "${await got.Body?.transformToString()}"`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'cats/' }));
    log(`listed: ${(listed.Contents ?? []).map((o) => o.Key).join(', ')}`);
    const denied = await client(folders.endpoint, 'wrong-secret')
      .send(new GetObjectCommand({ Bucket: 'photos', Key: 'cats/tom.txt' }))
      .catch((err: Error) => err);
    log(`a wrong secret is refused: ${denied instanceof Error ? denied.name : 'no'}`);
  } finally {
    s3.destroy();
    await folders.close();
  }

  const disks = [0, 1, 2, 3].map((i) => fileStorage(join(root, `disk${i}`)));
  const vault = await createGateway({
    buckets: staticBuckets({ vault: erasure(disks, { parity: 2 }) }),
    credentials: [keys],
  }).listen(0, '127.0.0.1');
  const s3v = client(vault.endpoint);
  try {
    await s3v.send(new PutObjectCommand({ Bucket: 'vault', Key: 'deed.txt', Body: 'the house is yours' }));
    const got = await s3v.send(new GetObjectCommand({ Bucket: 'vault', Key: 'deed.txt' }));
    log(`erasure 2+2 bucket over S3: "${await got.Body?.transformToString()}"`);
  } finally {
    s3v.destroy();
    await vault.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await gatewayTour();
