import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signedRequest } from './raw.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Encryption at rest (issue #19). Before, a PUT with SSE-C headers answered 200, stored the plaintext
 * and a GET without the key returned it. Now SSE-C, SSE-S3 and SSE-KMS (local keys) seal the bytes at
 * rest: every file under the gateway's root is searched for the plaintext.
 */

const SECRET = 'the-plaintext-that-must-not-be-on-disk;';
const secretBody = (size: number) =>
  Buffer.from(SECRET.repeat(Math.ceil(size / SECRET.length)).slice(0, size));
const CUSTOMER_KEY = 'k'.repeat(32);
const OTHER_KEY = 'o'.repeat(32);
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const md5b64 = (text: string | Buffer) => createHash('md5').update(text).digest('base64');

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/** Whether any file under `root` holds `needle` (the plaintext's first 32 bytes). */
async function plaintextOnDisk(root: string, needle: Buffer): Promise<boolean> {
  for (const file of await filesUnder(root)) {
    if ((await readFile(file)).includes(needle)) return true;
  }
  return false;
}

const status = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
  );

describe('server-side encryption', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const master = { k1: randomBytes(32), k2: randomBytes(32) };
  beforeAll(async () => {
    gw = await startGateway({ encryption: { keys: master, activeKey: 'k1', customerKeysOverHttp: true } });
    s3 = sdkClient(gw.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'sse' }));
  });
  afterAll(async () => {
    s3.destroy();
    await gw.stop();
  });

  it('SSE-C: stored sealed; GET/HEAD need the key, a wrong key is 403, none is 400', async () => {
    const body = secretBody(1000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'sse',
        Key: 'c.txt',
        Body: body,
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: CUSTOMER_KEY,
      }),
    );
    expect(put.SSECustomerAlgorithm).toBe('AES256');
    expect(put.SSECustomerKeyMD5).toBe(md5b64(CUSTOMER_KEY));
    expect(await plaintextOnDisk(gw.root, body.subarray(0, 32))).toBe(false);
    expect(await status(s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'c.txt' })))).toBe(400);
    expect(await status(s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'c.txt' })))).toBe(400);
    const wrong = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: OTHER_KEY };
    expect(await status(s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'c.txt', ...wrong })))).toBe(403);
    expect(await status(s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'c.txt', ...wrong })))).toBe(403);
    const right = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY };
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'c.txt', ...right }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.SSECustomerKeyMD5).toBe(md5b64(CUSTOMER_KEY));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'c.txt', ...right }));
    expect(head.ContentLength).toBe(1000);
    expect(head.SSECustomerAlgorithm).toBe('AES256');
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: 'sse', Key: 'c.txt', Range: 'bytes=10-19', ...right }),
    );
    expect(await ranged.Body!.transformToString()).toBe(body.subarray(10, 20).toString());
  });

  it('SSE-C headers that are wrong are refused and store nothing', async () => {
    const put = (headers: Record<string, string>) =>
      signedRequest(gw.endpoint, { method: 'PUT', path: '/sse/bad.txt', body: SECRET, headers });
    const cases: Array<[Record<string, string>, string]> = [
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': b64(CUSTOMER_KEY),
          'x-amz-server-side-encryption-customer-key-md5': md5b64(OTHER_KEY),
        },
        'InvalidArgument',
      ],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': b64('short'),
          'x-amz-server-side-encryption-customer-key-md5': md5b64('short'),
        },
        'InvalidArgument',
      ],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': b64(CUSTOMER_KEY),
        },
        'InvalidArgument',
      ],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'DES',
          'x-amz-server-side-encryption-customer-key': b64(CUSTOMER_KEY),
          'x-amz-server-side-encryption-customer-key-md5': md5b64(CUSTOMER_KEY),
        },
        'InvalidEncryptionAlgorithmError',
      ],
      [
        {
          'x-amz-server-side-encryption': 'AES256',
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': b64(CUSTOMER_KEY),
          'x-amz-server-side-encryption-customer-key-md5': md5b64(CUSTOMER_KEY),
        },
        'InvalidArgument',
      ],
      [{ 'x-amz-server-side-encryption': 'rot13' }, 'InvalidArgument'],
      [
        { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'nope' },
        'KMS.NotFoundException',
      ],
      [{ 'x-amz-server-side-encryption': 'aws:kms:dsse' }, 'NotImplemented'],
      [
        { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': b64('{}') },
        'NotImplemented',
      ],
    ];
    for (const [headers, code] of cases) {
      const res = await put(headers);
      expect([res.status, errorCode(res)], JSON.stringify(headers)).toEqual([
        code === 'NotImplemented' ? 501 : 400,
        code,
      ]);
    }
    expect(await status(s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'bad.txt' })))).toBe(404);
    expect(await plaintextOnDisk(gw.root, Buffer.from(SECRET))).toBe(false);
  });

  it('SSE-S3 and SSE-KMS: sealed at rest, read back whole and in ranges across chunks', async () => {
    const body = secretBody(200_000);
    const s3put = await s3.send(
      new PutObjectCommand({ Bucket: 'sse', Key: 's3.bin', Body: body, ServerSideEncryption: 'AES256' }),
    );
    expect(s3put.ServerSideEncryption).toBe('AES256');
    const kms = await s3.send(
      new PutObjectCommand({
        Bucket: 'sse',
        Key: 'kms.bin',
        Body: body,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k2',
      }),
    );
    expect([kms.ServerSideEncryption, kms.SSEKMSKeyId]).toEqual(['aws:kms', 'k2']);
    expect(await plaintextOnDisk(gw.root, body.subarray(0, 32))).toBe(false);
    for (const key of ['s3.bin', 'kms.bin']) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: key }));
      expect(head.ContentLength).toBe(200_000);
      for (const [range, start, end] of [
        ['bytes=65530-131080', 65530, 131080],
        ['bytes=0-0', 0, 0],
        ['bytes=-5', 199_995, 199_999],
        ['bytes=131072-', 131072, 199_999],
      ] as const) {
        const part = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: key, Range: range }));
        expect(part.ContentRange).toBe(`bytes ${start}-${end}/200000`);
        expect(
          Buffer.from(await part.Body!.transformToByteArray()).equals(body.subarray(start, end + 1)),
        ).toBe(true);
      }
    }
    const withKey = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY };
    expect(await status(s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 's3.bin', ...withKey })))).toBe(
      400,
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'sse' }));
    const sizes = Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key, o.Size]));
    expect([sizes['s3.bin'], sizes['kms.bin'], sizes['c.txt']]).toEqual([200_000, 200_000, 1000]);
  });

  it('an empty object and one of exactly one chunk round-trip', async () => {
    for (const size of [0, 65536, 131072]) {
      const body = secretBody(size);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'sse',
          Key: `size-${size}`,
          Body: body,
          ServerSideEncryption: 'AES256',
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: `size-${size}` }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    }
  });

  it('CopyObject: from SSE-C (source key needed) to SSE-S3, and the copy is sealed', async () => {
    const body = secretBody(5000);
    const key = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY };
    await s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'src.txt', Body: body, ...key }));
    const copy = { Bucket: 'sse', Key: 'dst.txt', CopySource: 'sse/src.txt' };
    expect(await status(s3.send(new CopyObjectCommand(copy)))).toBe(400);
    const wrong = { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: OTHER_KEY };
    expect(await status(s3.send(new CopyObjectCommand({ ...copy, ...wrong })))).toBe(403);
    const copied = await s3.send(
      new CopyObjectCommand({
        ...copy,
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: CUSTOMER_KEY,
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(copied.ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'dst.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(await plaintextOnDisk(gw.root, body.subarray(0, 32))).toBe(false);
  });

  it('a changed byte at rest fails the read instead of returning other bytes', async () => {
    const body = secretBody(3000);
    await s3.send(
      new PutObjectCommand({ Bucket: 'sse', Key: 'tamper.bin', Body: body, ServerSideEncryption: 'AES256' }),
    );
    const before = new Map<string, Buffer>();
    for (const file of await filesUnder(join(gw.root, 'sse'))) before.set(file, await readFile(file));
    // the sealed bytes sit in one of the bucket's files: flip one byte in each candidate in turn
    let failures = 0;
    let tried = 0;
    for (const [file, bytes] of before) {
      const at = bytes.length - 100;
      if (at < 0) continue;
      const changed = Buffer.from(bytes);
      changed[at]! ^= 0x01;
      await writeFile(file, changed);
      const res = await signedRequest(gw.endpoint, { method: 'GET', path: '/sse/tamper.bin' });
      tried++;
      if (res.status !== 200) failures++;
      else expect(res.body).toBe(body.toString());
      await writeFile(file, bytes);
    }
    expect(tried).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(0);
  });

  it('UploadPart and CompleteMultipartUpload refuse x-amz-server-side-encryption (it belongs on Create)', async () => {
    for (const query of [
      'partNumber=1&uploadId=0123456789abcdef0123456789abcdef',
      'uploadId=0123456789abcdef0123456789abcdef',
    ]) {
      const res = await signedRequest(gw.endpoint, {
        method: query.startsWith('part') ? 'PUT' : 'POST',
        path: '/sse/mp',
        query,
        body: SECRET,
        headers: { 'x-amz-server-side-encryption': 'AES256' },
      });
      expect([res.status, errorCode(res)]).toEqual([400, 'InvalidArgument']);
    }
    expect(await plaintextOnDisk(gw.root, Buffer.from(SECRET))).toBe(false);
  });

  it('GET with x-amz-server-side-encryption is refused', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: '/sse/s3.bin',
      headers: { 'x-amz-server-side-encryption': 'AES256' },
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'InvalidArgument']);
  });
});

describe('server-side encryption, configuration', () => {
  it('SSE-C over plain HTTP is refused as S3 does; SSE-S3 without keys is 501; rotated keys still read old objects', async () => {
    const k1 = randomBytes(32);
    const gw = await startGateway({ encryption: { keys: { k1 } } });
    const s3 = sdkClient(gw.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'cfg' }));
      expect(
        await status(
          s3.send(
            new PutObjectCommand({
              Bucket: 'cfg',
              Key: 'c',
              Body: 'x',
              SSECustomerAlgorithm: 'AES256',
              SSECustomerKey: CUSTOMER_KEY,
            }),
          ),
        ),
      ).toBe(400);
      await s3.send(
        new PutObjectCommand({ Bucket: 'cfg', Key: 'old', Body: SECRET, ServerSideEncryption: 'AES256' }),
      );
    } finally {
      s3.destroy();
    }
    const { createGateway, folderBuckets } = await import('../../src/gateway/index.js');
    const again = async (encryption: Parameters<typeof createGateway>[0]['encryption']) => {
      const buckets = folderBuckets(gw.root, { durable: false });
      const listening = await createGateway({
        buckets,
        credentials: [
          { accessKeyId: 'AKIDGATEWAYTEST', secretAccessKey: 'gateway-test-secret-key-0123456789' },
        ],
        ...(encryption ? { encryption } : {}),
      }).listen(0);
      return { listening, buckets, client: sdkClient(listening.endpoint) };
    };
    const rotated = await again({ keys: { k1, k2: randomBytes(32) }, activeKey: 'k2' });
    try {
      const got = await rotated.client.send(new GetObjectCommand({ Bucket: 'cfg', Key: 'old' }));
      expect(await got.Body!.transformToString()).toBe(SECRET);
    } finally {
      rotated.client.destroy();
      await rotated.listening.close();
    }
    const keyless = await again(undefined);
    try {
      expect(
        await status(
          keyless.client.send(
            new PutObjectCommand({ Bucket: 'cfg', Key: 'n', Body: 'x', ServerSideEncryption: 'AES256' }),
          ),
        ),
      ).toBe(501);
      expect(await status(keyless.client.send(new GetObjectCommand({ Bucket: 'cfg', Key: 'old' })))).toBe(
        500,
      );
    } finally {
      keyless.client.destroy();
      await keyless.listening.close();
      await gw.stop();
    }
  });
});

describe('bucket default encryption', () => {
  it('PutBucketEncryption AES256 seals PutObject and multipart uploads (parts too) that name no encryption', async () => {
    const gw = await startGateway({
      encryption: { keys: { k1: randomBytes(32) } },
      limits: { minPartSize: 1024 },
    });
    const s3 = sdkClient(gw.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'dflt' }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'dflt',
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      );
      const body = secretBody(5000);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'dflt', Key: 'one', Body: body }));
      expect(put.ServerSideEncryption).toBe('AES256');
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'dflt', Key: 'multi' }));
      const parts = [];
      for (const n of [1, 2]) {
        const part = await s3.send(
          new UploadPartCommand({ Bucket: 'dflt', Key: 'multi', UploadId, PartNumber: n, Body: body }),
        );
        parts.push({ PartNumber: n, ETag: part.ETag! });
      }
      // the parts wait sealed, not only the finished object
      expect(await plaintextOnDisk(gw.root, body.subarray(0, 32))).toBe(false);
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'dflt',
          Key: 'multi',
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      expect(await plaintextOnDisk(gw.root, body.subarray(0, 32))).toBe(false);
      const one = await s3.send(new GetObjectCommand({ Bucket: 'dflt', Key: 'one' }));
      expect(one.ServerSideEncryption).toBe('AES256');
      expect(Buffer.from(await one.Body!.transformToByteArray()).equals(body)).toBe(true);
      const multi = await s3.send(new GetObjectCommand({ Bucket: 'dflt', Key: 'multi' }));
      expect(multi.ContentLength).toBe(10_000);
      expect(Buffer.from(await multi.Body!.transformToByteArray()).equals(Buffer.concat([body, body]))).toBe(
        true,
      );
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dflt' }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
        ['multi', 10_000],
        ['one', 5000],
      ]);
    } finally {
      s3.destroy();
      await gw.stop();
    }
  });

  it('a versioned bucket seals every version by default, and reads each back (found while measuring issue #18)', async () => {
    // before: the default applied to object data only, and a version is kept under the reserved prefix,
    // so versioned PUTs were stored in plaintext (the version and the key's copy) and answered no SSE header
    const gw = await startGateway({ encryption: { keys: { k1: randomBytes(32) } } });
    const s3 = sdkClient(gw.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'dfltv' }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'dfltv',
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      );
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: 'dfltv', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      const first = secretBody(3000);
      const second = secretBody(4000);
      const one = await s3.send(new PutObjectCommand({ Bucket: 'dfltv', Key: 'doc', Body: first }));
      const two = await s3.send(new PutObjectCommand({ Bucket: 'dfltv', Key: 'doc', Body: second }));
      expect([one.ServerSideEncryption, two.ServerSideEncryption]).toEqual(['AES256', 'AES256']);
      expect(await plaintextOnDisk(gw.root, first.subarray(0, 32))).toBe(false);
      expect(await plaintextOnDisk(gw.root, second.subarray(0, 32))).toBe(false);
      const latest = await s3.send(new GetObjectCommand({ Bucket: 'dfltv', Key: 'doc' }));
      expect(latest.ServerSideEncryption).toBe('AES256');
      expect(latest.VersionId).toBe(two.VersionId);
      expect(Buffer.from(await latest.Body!.transformToByteArray()).equals(second)).toBe(true);
      const older = await s3.send(
        new GetObjectCommand({ Bucket: 'dfltv', Key: 'doc', VersionId: one.VersionId! }),
      );
      expect(older.ServerSideEncryption).toBe('AES256');
      expect(Buffer.from(await older.Body!.transformToByteArray()).equals(first)).toBe(true);
      // the listing shows what the client stored: plaintext sizes and MD5 ETags
      const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'dfltv' }));
      expect(listed.Versions?.map((v) => [v.VersionId, v.Size, v.ETag])).toEqual([
        [two.VersionId, 4000, md5(second)],
        [one.VersionId, 3000, md5(first)],
      ]);
    } finally {
      s3.destroy();
      await gw.stop();
    }
  });
});
