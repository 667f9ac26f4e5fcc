/**
 * The gateway sends S3 event notifications to the lake's event endpoint: the aws CLI sets a bucket's
 * notification configuration, `aws s3 cp app.log.gz s3://raw/otel-raw/...` through the gateway becomes
 * queryable within seconds, and so do a multipart upload and a copy (AWS SDK); a second PUT of the same
 * bytes adds nothing. An ARN the gateway has no endpoint for is refused as S3 refuses it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, folderBuckets } from '../../src/gateway/index.js';
import {
  createLakeEventHandler,
  createLakeServer,
  type ListeningLakeServer,
} from '../../src/lake/http/index.js';
import { type Lake, openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { cleanEnv, run } from '../gateway/clients-fixture.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from '../gateway/support.js';
import { requireDebian } from '../support/debian.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const ARN = 'arn:aws:sqs:us-east-1:123456789012:lake';
let root: string;
let lakeServer: ListeningLakeServer;
let gateway: { endpoint: string; close(): Promise<void> };
let lake: Lake;
let s3: S3Client;
let env: Record<string, string | undefined>;
let provider: ReturnType<typeof folderBuckets>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lake-gw-events-'));
  await mkdir(join(root, 'gw', 'raw'), { recursive: true });
  // the lake reads the gateway's bucket folder directly; org and collector come from otel-raw/ keys
  lake = openLake(fileStorage(join(root, 'gw', 'raw')));
  const handler = createLakeEventHandler(lake, { buckets: ['raw'] });
  lakeServer = await createLakeServer([{ path: '/events', methods: ['POST'], handler }]).listen(0);
  provider = folderBuckets(join(root, 'gw'), { durable: false });
  gateway = await createGateway({
    buckets: provider,
    credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    notificationTargets: { [ARN]: `${lakeServer.url}/events` },
    limits: { minPartSize: 1 },
  }).listen(0);
  s3 = sdkClient(gateway.endpoint);
  const config = join(root, 'aws-config');
  await writeFile(config, '[default]\nregion = us-east-1\n');
  env = {
    ...cleanEnv,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
});

afterAll(async () => {
  s3?.destroy();
  await gateway?.close();
  await provider?.close?.();
  await lakeServer?.close();
  await rm(root, { recursive: true, force: true });
});

const aws = async (...args: string[]) =>
  (await run('/usr/bin/aws', ['--endpoint-url', gateway.endpoint, ...args], { env, timeout: 60_000 })).stdout;

async function rowCount(): Promise<number> {
  let n = 0;
  for await (const _ of lake.logs({ org: 'acme', from: T0 - 86_400_000, to: T0 + 86_400_000, limit: 1e9 }))
    n++;
  return n;
}

/** Waits until the lake holds `rows` rows; returns the milliseconds it took. */
async function queryableWithin(rows: number, started: number): Promise<number> {
  for (;;) {
    if ((await rowCount()) >= rows) return Date.now() - started;
    if (Date.now() - started > 30_000)
      throw new Error(`the lake has ${await rowCount()} rows, not ${rows}, after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gateway notifications → the lake', () => {
  it('aws s3api sets and reads the configuration; an unknown ARN is refused', async () => {
    requireDebian('awscli');
    // the bucket's folder exists already (the lake reads it directly)
    const config = {
      QueueConfigurations: [
        {
          Id: 'lake',
          QueueArn: ARN,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'otel-raw/' }] } },
        },
      ],
    };
    await aws(
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'raw',
      '--notification-configuration',
      JSON.stringify(config),
    );
    const got = JSON.parse(await aws('s3api', 'get-bucket-notification-configuration', '--bucket', 'raw'));
    expect(got).toEqual({
      QueueConfigurations: [
        {
          ...config.QueueConfigurations[0],
          Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'otel-raw/' }] } },
        },
      ],
    });
    const unknown = {
      QueueConfigurations: [
        { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:other', Events: ['s3:ObjectCreated:*'] },
      ],
    };
    await expect(
      aws(
        's3api',
        'put-bucket-notification-configuration',
        '--bucket',
        'raw',
        '--notification-configuration',
        JSON.stringify(unknown),
      ),
    ).rejects.toThrow(/InvalidArgument.*Unable to validate the following destination configurations/s);
  }, 120_000);

  it('aws s3 cp app.log.gz through the gateway is queryable within seconds, once', async () => {
    requireDebian('awscli');
    const file = join(root, 'app.log.gz');
    await writeFile(file, ndjsonGz(rawLines(200, T0, 1000, 0)));
    const started = Date.now();
    await aws('s3', 'cp', file, 's3://raw/otel-raw/acme/collector-1/2026/01/02/app.log.gz');
    const ms = await queryableWithin(200, started);
    expect(ms).toBeLessThan(30_000);
    // the same bytes again: notified again, ingested once
    await aws('s3', 'cp', file, 's3://raw/otel-raw/acme/collector-1/2026/01/02/app.log.gz');
    // a key outside the rule's prefix is not notified
    await aws('s3', 'cp', file, 's3://raw/elsewhere/app.log.gz');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rowCount()).toBe(200);
  }, 120_000);

  it('a multipart upload and a copy are notified too (ObjectCreated:CompleteMultipartUpload, :Copy)', async () => {
    const before = await rowCount();
    const Key = 'otel-raw/acme/collector-1/2026/01/02/multi part.json.gz';
    const bytes = ndjsonGz(rawLines(300, T0 + 3_600_000, 1000, 1000));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'raw', Key }));
    const half = Math.floor(bytes.length / 2);
    const parts = [];
    for (const [i, body] of [bytes.subarray(0, half), bytes.subarray(half)].entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: 'raw', Key, UploadId, PartNumber: i + 1, Body: body }),
      );
      parts.push({ ETag, PartNumber: i + 1 });
    }
    const started = Date.now();
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: 'raw', Key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    await queryableWithin(before + 300, started);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'raw',
        Key: 'staging/copy.json.gz',
        Body: ndjsonGz(rawLines(40, T0 + 7_200_000, 1000, 5000)),
      }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'raw',
        Key: 'otel-raw/acme/collector-1/copied.json.gz',
        CopySource: 'raw/staging/copy.json.gz',
      }),
    );
    await queryableWithin(before + 340, Date.now());
  }, 120_000);
});
