import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, folderBuckets } from '../../src/gateway/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

// Sizes on both sides of every size the gateway and the file adapter treat differently: objects kept
// inside their record, small files, bodies sent in one write, streamed bodies.
const KIB = 1024;
const SIZES = [
  0,
  1,
  4 * KIB,
  16 * KIB - 1,
  16 * KIB,
  16 * KIB + 1,
  64 * KIB,
  64 * KIB + 1,
  256 * KIB + 1,
  1100 * KIB,
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

for (const durable of [false, true]) {
  describe(`objects of every size class (file adapter, durable: ${durable})`, () => {
    let root: string;
    let close: () => Promise<void>;
    let s3: S3Client;
    const Bucket = 'sizes';
    const bodies = new Map<string, Uint8Array>();

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'bk-gateway-sizes-'));
      const gateway = createGateway({
        buckets: folderBuckets(root, { durable }),
        credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
      });
      const listening = await gateway.listen(0);
      close = listening.close;
      s3 = sdkClient(listening.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket }));
    });
    afterAll(async () => {
      s3?.destroy();
      await close?.();
      await rm(root, { recursive: true, force: true });
    });

    const put = async (Key: string, body: Uint8Array) => {
      const out = await s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
      bodies.set(Key, body);
      return out.ETag;
    };
    const get = async (Key: string, Range?: string) => {
      const out = await s3.send(new GetObjectCommand({ Bucket, Key, ...(Range ? { Range } : {}) }));
      return { bytes: await out.Body!.transformToByteArray(), out };
    };

    it('PUT, GET, HEAD and ranged GET give back exactly what was written', async () => {
      for (const size of SIZES) {
        const body = new Uint8Array(randomBytes(size));
        const etag = await put(`s/${size}`, body);
        expect(etag).toBe(`"${md5(body)}"`);
        const { bytes, out } = await get(`s/${size}`);
        expect(Buffer.from(bytes).equals(body)).toBe(true);
        expect(out.ETag).toBe(etag);
        const head = await s3.send(new HeadObjectCommand({ Bucket, Key: `s/${size}` }));
        expect([head.ContentLength, head.ETag]).toEqual([size, etag]);
        if (size > 2) {
          const [start, end] = [Math.floor(size / 3), Math.floor(size / 2)];
          const ranged = await get(`s/${size}`, `bytes=${start}-${end}`);
          expect(ranged.out.ContentRange).toBe(`bytes ${start}-${end}/${size}`);
          expect(Buffer.from(ranged.bytes).equals(body.subarray(start, end + 1))).toBe(true);
        }
      }
    });

    it('overwrites across size classes and copies keep content and leave no stray files', async () => {
      // each key takes every other size in turn: inline → file → inline → streamed ...
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < SIZES.length; i++) {
          const size = SIZES[(i + round * 3) % SIZES.length]!;
          await put(`s/${SIZES[i]}`, new Uint8Array(randomBytes(size)));
        }
      }
      for (const size of [4 * KIB, 64 * KIB + 1]) {
        const copied = await s3.send(
          new CopyObjectCommand({ Bucket, Key: `copy/${size}`, CopySource: `${Bucket}/s/${size}` }),
        );
        expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(bodies.get(`s/${size}`)!)}"`);
        bodies.set(`copy/${size}`, bodies.get(`s/${size}`)!);
      }
      for (const [key, body] of bodies) {
        const { bytes } = await get(key);
        expect([key, md5(bytes)]).toEqual([key, md5(body)]);
      }
      for (const Key of bodies.keys()) await s3.send(new DeleteObjectCommand({ Bucket, Key }));
      // no data file, temp file or lock outlives the objects
      expect(await filesUnder(join(root, Bucket))).toEqual([]);
    });

    it('racing writers of different size classes on one key leave one whole object', async () => {
      const candidates = [1, 4 * KIB, 40 * KIB, 300 * KIB].map((size) => new Uint8Array(randomBytes(size)));
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          s3.send(new PutObjectCommand({ Bucket, Key: 'race', Body: candidates[i % candidates.length] })),
        ),
      );
      const { bytes } = await get('race');
      expect(candidates.map(md5)).toContain(md5(bytes));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'race' }));
      expect(await filesUnder(join(root, Bucket))).toEqual([]);
    });
  });
}
