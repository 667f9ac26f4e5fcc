/** Starts a gateway over folders in a temp dir for the gateway tests, with one access key. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createGateway, folderBuckets, type GatewayOptions } from '../../src/gateway/index.js';
import { type StoragePort, s3Storage } from '../../src/index.js';

export const ACCESS_KEY = 'AKIDGATEWAYTEST';
export const SECRET_KEY = 'gateway-test-secret-key-0123456789';
export const MIB = 1024 * 1024;

export interface TestGateway {
  endpoint: string;
  root: string;
  /** "METHOD url status" of every request served, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startGateway(extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const root = await mkdtemp(join(tmpdir(), 'bk-gateway-'));
  const buckets = folderBuckets(root, { durable: false });
  const requests: string[] = [];
  const gateway = createGateway({
    buckets,
    logger: (r) => requests.push(`${r.method} ${r.url} ${r.status}`),
    credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    ...extra,
  });
  const listening = await gateway.listen(0, '127.0.0.1');
  return {
    endpoint: listening.endpoint,
    root,
    requests,
    async stop() {
      await listening.close();
      await buckets.close?.();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function sdkClient(endpoint: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    ...extra,
  });
}

/**
 * Creates `bucket` on the gateway and returns an s3 port on it with the test credentials (the writer in
 * tests whose readers are something else).
 */
export async function bucketPort(gw: TestGateway, bucket: string): Promise<StoragePort> {
  await sdkClient(gw.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
  return s3Storage({
    bucket,
    endpoint: gw.endpoint,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
}

/** A gateway and an SDK client on it, for the tests of one file or describe block. */
export interface SdkGateway {
  gw: TestGateway;
  s3: S3Client;
}

/**
 * Registers beforeAll/afterAll that start a gateway (with `extra` options), an SDK client on it and,
 * when named, `bucket`; then destroy and stop them. Read the fields inside tests only.
 */
export function sdkGateway(extra: Partial<GatewayOptions> = {}, bucket?: string): SdkGateway {
  const t = {} as SdkGateway;
  beforeAll(async () => {
    t.gw = await startGateway(extra);
    t.s3 = sdkClient(t.gw.endpoint);
    if (bucket) await t.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    t.s3?.destroy();
    await t.gw?.stop();
  });
  return t;
}
