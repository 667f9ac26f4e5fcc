/**
 * The fast paths of the file-backed gateway: objects above the one-read size stream from the file in
 * large chunks, ranges cut across those chunks, and a client that walks away mid-download releases
 * the file it was reading while the gateway keeps serving.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/index.js';
import { MIB, sdkClient, startGateway, type TestGateway } from './support.js';

const BIG = new Uint8Array(5 * MIB + 12345).map((_, i) => (i * 31 + (i >> 16)) & 0xff);

async function openFiles(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

describe('gateway over the file adapter: streamed GETs', () => {
  let gateway: TestGateway;
  let s3: S3Client;

  beforeAll(async () => {
    gateway = await startGateway();
    s3 = sdkClient(gateway.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'stream' }));
    await s3.send(new PutObjectCommand({ Bucket: 'stream', Key: 'big.bin', Body: BIG }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gateway?.stop();
  });

  it('downloads a multi-MiB object byte-exact', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: 'stream', Key: 'big.bin' }));
    expect(out.ContentLength).toBe(BIG.byteLength);
    expect(Buffer.from(await out.Body!.transformToByteArray()).equals(Buffer.from(BIG))).toBe(true);
  });

  it.each([
    ['across the first read boundary', MIB - 10, MIB + 9],
    ['a large range ending at the last byte', 300_000, BIG.byteLength - 1],
    ['one byte deep inside', 4 * MIB + 7, 4 * MIB + 7],
    ['a small range (one read)', 2 * MIB - 100, 2 * MIB + 100],
  ])('serves a range %s', async (_, start, end) => {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: 'stream', Key: 'big.bin', Range: `bytes=${start}-${end}` }),
    );
    expect(out.ContentRange).toBe(`bytes ${start}-${end}/${BIG.byteLength}`);
    const bytes = await out.Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(Buffer.from(BIG.subarray(start, end + 1)))).toBe(true);
  });

  it('keeps serving after clients walk away mid-download', async () => {
    // larger than loopback socket buffers, so the server cannot have sent it all when the client leaves
    await s3.send(
      new PutObjectCommand({ Bucket: 'stream', Key: 'huge.bin', Body: new Uint8Array(32 * MIB) }),
    );
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const out = await s3.send(new GetObjectCommand({ Bucket: 'stream', Key: 'huge.bin' }), {
        abortSignal: controller.signal,
      });
      const reader = (out.Body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      await reader.next();
      controller.abort();
      await reader.return?.();
    }
    const out = await s3.send(new GetObjectCommand({ Bucket: 'stream', Key: 'big.bin', Range: 'bytes=0-9' }));
    expect(Array.from(await out.Body!.transformToByteArray())).toEqual(Array.from(BIG.subarray(0, 10)));
  });
});

describe('file adapter streamed reads release their file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-stream-'));
    await fileStorage(dir, { durable: false }).put('big', BIG);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when the reader cancels after the first chunk', async () => {
    const port = fileStorage(dir, { durable: false });
    const before = await openFiles();
    const reader = (await port.get('big')).body.getReader();
    expect((await reader.read()).done).toBe(false);
    expect(await openFiles()).toBe(before + 1);
    await reader.cancel();
    expect(await openFiles()).toBe(before);
  });

  it('when the read is aborted', async () => {
    const port = fileStorage(dir, { durable: false });
    const before = await openFiles();
    const controller = new AbortController();
    const reader = (await port.get('big', { signal: controller.signal })).body.getReader();
    await reader.read();
    controller.abort(new Error('gone'));
    await expect(reader.read()).rejects.toThrow('gone');
    for (let wait = 0; wait < 20 && (await openFiles()) > before; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await openFiles()).toBe(before);
  });
});
