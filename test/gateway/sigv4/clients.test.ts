import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type ChecksumAlgorithm,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACCESS_KEY, client, REGION, type Recorded, replay, SECRET, startRecorder } from './support.js';

let recorder: Awaited<ReturnType<typeof startRecorder>>;
let s3: S3Client;
let s3Required: S3Client;

beforeAll(async () => {
  recorder = await startRecorder();
  s3 = client(recorder.endpoint);
  s3Required = client(recorder.endpoint, { requestChecksumCalculation: 'WHEN_REQUIRED' });
});
afterAll(async () => {
  s3.destroy();
  s3Required.destroy();
  await recorder.close();
});

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function stream(body: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += 65_536) parts.push(body.subarray(i, i + 65_536));
  return Readable.from(parts.length ? parts : [Buffer.alloc(0)]);
}

/** Runs `send`, returns the one new request it made. */
async function record(send: () => Promise<unknown>): Promise<Recorded> {
  const before = recorder.requests.length;
  await send();
  expect(recorder.requests.length).toBe(before + 1);
  return recorder.requests.at(-1)!;
}

/** Network splits to replay each body with: none, tiny pieces at the start, and pseudo-random cuts. */
function cutSets(length: number): number[][] {
  const random = [...bytes(32, length)].map((b) => Math.floor((b * length) / 256));
  return [[], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], random];
}

async function expectAccepted(rec: Recorded, body: Buffer, checksums: Record<string, string> = {}) {
  for (const cuts of cutSets(rec.body.length)) {
    const { auth, payload } = await replay(rec, {}, cuts);
    expect(payload.equals(body)).toBe(true);
    expect(auth.checksums()).toEqual(checksums);
  }
}

const sha = (alg: string, body: Buffer) => createHash(alg).update(body).digest('base64');

describe('@aws-sdk/client-s3 requests are accepted with their exact body', () => {
  const body = bytes(200_003, 1);

  test('default config, buffer body: signed SHA-256 payload and an x-amz-checksum-crc32 header', async () => {
    const rec = await record(() => s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'buf', Body: body })));
    expect(rec.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    await expectAccepted(rec, body, {
      'x-amz-checksum-crc32': rec.headers['x-amz-checksum-crc32'] as string,
    });
  });

  test('default config, stream body: STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer', async () => {
    const rec = await record(() =>
      s3.send(
        new PutObjectCommand({ Bucket: 'b', Key: 'stream', Body: stream(body), ContentLength: body.length }),
      ),
    );
    expect(rec.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const trailer = /x-amz-checksum-crc32:(\S+)\r\n/.exec(rec.body.toString('latin1'))![1]!;
    await expectAccepted(rec, body, { 'x-amz-checksum-crc32': trailer });
  });

  test('default config, UploadPart stream', async () => {
    const rec = await record(() =>
      s3.send(
        new UploadPartCommand({
          Bucket: 'b',
          Key: 'part',
          UploadId: 'u',
          PartNumber: 3,
          Body: stream(body),
          ContentLength: body.length,
        }),
      ),
    );
    expect(rec.headers['content-encoding']).toBe('aws-chunked');
    expect((await replay(rec)).payload.equals(body)).toBe(true);
  });

  test('requestChecksumCalculation WHEN_REQUIRED: signed payload, no checksum', async () => {
    const rec = await record(() =>
      s3Required.send(new PutObjectCommand({ Bucket: 'b', Key: 'req', Body: body })),
    );
    expect(rec.headers['x-amz-checksum-crc32']).toBeUndefined();
    await expectAccepted(rec, body);
  });

  test('WHEN_REQUIRED with a stream body and a user Content-MD5', async () => {
    const md5 = sha('md5', body);
    const rec = await record(() =>
      s3Required.send(
        new PutObjectCommand({
          Bucket: 'b',
          Key: 'md5',
          Body: stream(body),
          ContentLength: body.length,
          ContentMD5: md5,
        }),
      ),
    );
    expect(rec.headers['content-md5']).toBe(md5);
    await expectAccepted(rec, body);
  });

  for (const algorithm of ['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as ChecksumAlgorithm[]) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    test(`ChecksumAlgorithm ${algorithm}, as a header (buffer) and as a trailer (stream)`, async () => {
      const inHeader = await record(() =>
        s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'h', Body: body, ChecksumAlgorithm: algorithm })),
      );
      const value = inHeader.headers[name] as string;
      expect(value).toBeTruthy();
      await expectAccepted(inHeader, body, { [name]: value });
      const inTrailer = await record(() =>
        s3.send(
          new PutObjectCommand({
            Bucket: 'b',
            Key: 't',
            Body: stream(body),
            ContentLength: body.length,
            ChecksumAlgorithm: algorithm,
          }),
        ),
      );
      expect(inTrailer.headers['x-amz-trailer']).toBe(name);
      await expectAccepted(inTrailer, body, { [name]: value });
    });
  }

  test('keys with spaces, unicode and reserved characters, metadata, and an empty body', async () => {
    const key = 'dir/a b/ü é+&=?#%~!*()\'@,;$[]^`{}|\\"<>.txt';
    const rec = await record(() =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'b',
          Key: key,
          Body: new Uint8Array(0),
          Metadata: { note: '  a   b ' },
        }),
      ),
    );
    await expectAccepted(rec, Buffer.alloc(0), { 'x-amz-checksum-crc32': 'AAAAAA==' });
  });

  test('DeleteObjects (an XML body with a required checksum)', async () => {
    const rec = await record(() =>
      s3.send(new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'b c' }] } })),
    );
    const { payload, auth } = await replay(rec);
    expect(payload.toString()).toContain('<Key>b c</Key>');
    expect(Object.keys(auth.checksums()).length).toBe(1);
  });

  test('lib-storage multipart Upload: create, two parts, complete', async () => {
    const big = bytes(5 * 1024 * 1024 + 17, 2);
    const before = recorder.requests.length;
    await new Upload({
      client: s3,
      params: { Bucket: 'b', Key: 'multi', Body: stream(big) },
      queueSize: 1,
    }).done();
    const requests = recorder.requests.slice(before);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'PUT', 'PUT', 'POST']);
    const parts: Buffer[] = [];
    for (const rec of requests) {
      const { payload } = await replay(rec, {}, [7, 100_000]);
      if (rec.method === 'PUT') parts.push(payload);
    }
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });

  test('presigned GET and PUT URLs', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b', Key: 'p q/ü' }), {
      expiresIn: 600,
    });
    const get = await record(() => fetch(getUrl));
    const got = await replay(get);
    expect(got.auth.accessKeyId).toBe('AKIDBUCKETKITTEST');
    const putUrl = await getSignedUrl(s3Required, new PutObjectCommand({ Bucket: 'b', Key: 'up' }), {
      expiresIn: 60,
    });
    const put = await record(() => fetch(putUrl, { method: 'PUT', body: 'presigned body' }));
    expect((await replay(put)).payload.toString()).toBe('presigned body');
  });
});

describe('minio npm client requests are accepted', () => {
  test('putObject and a presigned GET', async () => {
    const mc = new Minio.Client({
      endPoint: '127.0.0.1',
      port: Number(new URL(recorder.endpoint).port),
      useSSL: false,
      accessKey: ACCESS_KEY,
      secretKey: SECRET,
      region: REGION,
      pathStyle: true,
    });
    const body = bytes(70_000, 3);
    const put = await record(() => mc.putObject('bucket', 'minio key ü', body));
    expect((await replay(put, {}, [1, 2, 30_000])).payload.equals(body)).toBe(true);
    const get = await record(async () => fetch(await mc.presignedGetObject('bucket', 'minio key ü', 60)));
    expect((await replay(get)).auth.accessKeyId).toBe(ACCESS_KEY);
  });
});
