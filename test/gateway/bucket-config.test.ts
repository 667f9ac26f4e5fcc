import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketRequestPaymentCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, SECRET_KEY, startGateway, type TestGateway } from './support.js';

/**
 * Issue #18 item 5: bucket CORS set by clients (preflight and response headers answered from it, the
 * server's `cors` option otherwise), GetBucketLocation in the configured region, default encryption
 * stored, request payment and accelerate answered as S3 does for a bucket without them.
 */
describe('bucket configuration', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const Bucket = 'conf';
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { name: string }) => e.name,
    );
  const preflight = (origin: string, method: string, headers = '') =>
    fetch(`${gw.endpoint}/${Bucket}/obj`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        ...(headers ? { 'access-control-request-headers': headers } : {}),
      },
    });

  beforeAll(async () => {
    gw = await startGateway({ region: 'eu-central-2', cors: { origins: ['https://server.example'] } });
    s3 = new S3Client({
      region: 'eu-central-2',
      endpoint: gw.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'obj', Body: 'o' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  it('CORS: without bucket rules the server option answers; with them the rules do; deleted, the option again', async () => {
    expect(await codeOf(s3.send(new GetBucketCorsCommand({ Bucket })))).toBe('NoSuchCORSConfiguration');
    expect((await preflight('https://server.example', 'GET')).status).toBe(200);
    expect((await preflight('https://app.example', 'PUT')).status).toBe(403);
    const CORSRules = [
      {
        ID: 'app',
        AllowedOrigins: ['https://*.app.example'],
        AllowedMethods: ['GET', 'PUT'],
        AllowedHeaders: ['content-type', 'x-amz-*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 120,
      },
    ];
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } }));
    expect((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules).toEqual(CORSRules);
    const ok = await preflight('https://web.app.example', 'PUT', 'Content-Type, X-Amz-Date');
    expect([
      ok.status,
      ok.headers.get('access-control-allow-origin'),
      ok.headers.get('access-control-allow-methods'),
      ok.headers.get('access-control-allow-headers'),
      ok.headers.get('access-control-max-age'),
    ]).toEqual([200, 'https://web.app.example', 'GET, PUT', 'content-type, x-amz-date', '120']);
    expect((await preflight('https://web.app.example', 'DELETE')).status).toBe(403);
    expect((await preflight('https://web.app.example', 'GET', 'x-custom')).status).toBe(403);
    expect((await preflight('https://server.example', 'GET')).status).toBe(403);
    const get = await fetch(`${gw.endpoint}/${Bucket}/obj`, {
      headers: { origin: 'https://web.app.example' },
    });
    await get.body?.cancel();
    expect([
      get.headers.get('access-control-allow-origin'),
      get.headers.get('access-control-expose-headers'),
    ]).toEqual(['https://web.app.example', 'ETag']);
    await s3.send(new DeleteBucketCorsCommand({ Bucket }));
    expect((await preflight('https://server.example', 'GET')).status).toBe(200);
    expect((await preflight('https://web.app.example', 'PUT')).status).toBe(403);
  });

  it('a CORS rule with an unsupported method is refused', async () => {
    const put = s3.send(
      new PutBucketCorsCommand({
        Bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] },
      }),
    );
    expect(await codeOf(put)).toBe('InvalidRequest');
  });

  it('GetBucketLocation answers the configured region', async () => {
    expect((await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint).toBe('eu-central-2');
  });

  it('default encryption is stored, read back and deleted', async () => {
    expect(await codeOf(s3.send(new GetBucketEncryptionCommand({ Bucket })))).toBe(
      'ServerSideEncryptionConfigurationNotFoundError',
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
          ],
        },
      }),
    );
    const read = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(read.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    ]);
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket }));
    expect(await codeOf(s3.send(new GetBucketEncryptionCommand({ Bucket })))).toBe(
      'ServerSideEncryptionConfigurationNotFoundError',
    );
  });

  it('request payment is BucketOwner; accelerate is unset', async () => {
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('BucketOwner');
    const accelerate = await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }));
    expect([accelerate.$metadata.httpStatusCode, accelerate.Status]).toEqual([200, undefined]);
  });
});
