import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { memoryStorage } from '../../src/index.js';
import { recording } from './recording-port.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

/**
 * Requests are what a user pays for on real S3: every call the gateway makes to the bucket's port is
 * recorded (`op key`, with the stored byte range of a ranged get) for each read of a plain, an SSE-S3,
 * an SSE-C and an SSE-C object assembled from its parts, and the exact lists are asserted.
 */

/** Per-bucket state the gateway reads and caches (configuration, versioning, the sealed marker). */
const isBucketState = (call: string) =>
  /^(get|head) \.bucketkit-gateway\/(config\/|versioning\.json|sealed)/.test(call);

const SIZE = 200_000; // four 64 KiB chunks, the last one short
const body = randomBytes(SIZE);
const PARTS = [body.subarray(0, 100_000), body.subarray(100_000, 170_000), body.subarray(170_000)];
const CUSTOMER = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'c'.repeat(32) } as const;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const KEY_MD5 = createHash('md5').update(CUSTOMER.SSECustomerKey).digest('base64');

describe('port requests per read, plain and encrypted', () => {
  const calls: string[] = [];
  /** The ETag each object's PUT answered, and the port calls each PUT made. */
  const etags: Record<string, string> = {};
  const puts: Record<string, string[]> = {};
  let s3: S3Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const gateway = createGateway({
      buckets: staticBuckets({
        b: recording(memoryStorage(), calls, { ranges: true }),
        clear: recording(memoryStorage(), calls, { ranges: true }),
      }),
      credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
      encryption: { keys: { k1: randomBytes(32) }, activeKey: 'k1', customerKeysOverHttp: true },
      limits: { minPartSize: 64 * 1024 },
    });
    const listening = await gateway.listen(0, '127.0.0.1');
    s3 = sdkClient(listening.endpoint);
    close = async () => {
      s3.destroy();
      await listening.close();
    };
    const put = async (Bucket: string, Key: string, extra: Record<string, string>) => {
      // written twice: the second PUT is an overwrite, as most PUTs in a live bucket are
      for (let i = 0; i < 2; i++) {
        calls.length = 0;
        etags[Key] = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ...extra }))).ETag!;
        puts[`${Key}${i ? ' again' : ''}`] = calls.filter((c) => !isBucketState(c));
      }
    };
    await put('clear', 'clear', {});
    await put('b', 'sse-s3', { ServerSideEncryption: 'AES256' });
    await put('b', 'sse-c', CUSTOMER);
    await put('b', 'plain', {});
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'assembled', ...CUSTOMER }),
    );
    const done = [];
    for (const [i, part] of PARTS.entries()) {
      const sent = await s3.send(
        new UploadPartCommand({
          Bucket: 'b',
          Key: 'assembled',
          UploadId,
          PartNumber: i + 1,
          Body: part,
          ...CUSTOMER,
        }),
      );
      done.push({ PartNumber: i + 1, ETag: sent.ETag! });
    }
    // completed without the key, as S3 allows: the object is the sealed parts, assembled
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'b',
        Key: 'assembled',
        UploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    etags.assembled = completed.ETag!;
  });
  afterAll(async () => {
    await close?.();
  });

  const bucketOf = (key: string) => (key === 'clear' ? 'clear' : 'b');
  const sse = (key: string) => (key.startsWith('sse-c') || key === 'assembled' ? CUSTOMER : {});

  /** The port calls of one GET (`range`, if any) of `key`, the bytes and headers checked. */
  async function getCalls(key: string, range?: string): Promise<string[]> {
    calls.length = 0;
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucketOf(key),
        Key: key,
        ...(range ? { Range: range } : {}),
        ...sse(key),
      }),
    );
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    const [start, end] = range ? expectedRange(range) : [0, SIZE - 1];
    expect(bytes.equals(body.subarray(start, end + 1))).toBe(true);
    expect(got.ContentLength).toBe(end - start + 1);
    expect(got.ContentRange).toBe(range ? `bytes ${start}-${end}/${SIZE}` : undefined);
    expect(got.ETag).toBe(etags[key]);
    if (key === 'sse-s3') expect(got.ServerSideEncryption).toBe('AES256');
    if (sse(key) === CUSTOMER) expect(got.SSECustomerKeyMD5).toBe(KEY_MD5);
    return calls.filter((c) => !isBucketState(c));
  }

  async function headCalls(key: string): Promise<string[]> {
    calls.length = 0;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucketOf(key), Key: key, ...sse(key) }));
    expect([head.ContentLength, head.ETag]).toEqual([SIZE, etags[key]]);
    return calls.filter((c) => !isBucketState(c));
  }

  function expectedRange(range: string): [number, number] {
    const [, a, b] = /^bytes=(\d*)-(\d*)$/.exec(range)!;
    if (a === '') return [SIZE - Number(b), SIZE - 1];
    return [Number(a), b === '' ? SIZE - 1 : Math.min(Number(b), SIZE - 1)];
  }

  /** Calls with the plaintext-MD5 record's name (the stored ETag) made alike. */
  const alike = (made: string[]) => made.map((c) => c.replace(/sse-etags\/[0-9a-f]+/, 'sse-etags/E'));
  const RECORD = 'get .bucketkit-gateway/sse-etags/E';
  const S = 64 * 1024 + 16; // a sealed chunk
  const READS = {
    whole: undefined,
    'inside a chunk': 'bytes=70000-70099',
    'across chunks': 'bytes=60000-140000',
    open: 'bytes=150000-',
    suffix: 'bytes=-1000',
  } as const;
  type Read = keyof typeof READS;

  /** The calls each read of `key` makes, checked against `expected` (HEAD last). */
  async function expectCalls(key: string, expected: Record<Read | 'HEAD', string[]>) {
    await getCalls(key); // the first request reads the bucket's state
    for (const [name, range] of Object.entries(READS)) {
      expect(alike(await getCalls(key, range)), `${key} ${name}`).toEqual(expected[name as Read]);
    }
    expect(alike(await headCalls(key)), `${key} HEAD`).toEqual(expected.HEAD);
  }

  it('a bucket that never held a sealed object: a ranged GET is one GET of the range, a suffix HEAD and GET', async () => {
    await expectCalls('clear', {
      whole: ['get clear'],
      'inside a chunk': ['get clear @70000-70099'],
      'across chunks': ['get clear @60000-140000'],
      open: ['get clear @150000-'],
      // a suffix needs the size first: the port's ranges start somewhere
      suffix: ['head clear', 'get clear @199000-199999'],
      HEAD: ['head clear'],
    });
  });

  it('SSE-S3: a ranged GET is one GET of the sealed chunks covering it, and the plaintext-MD5 record', async () => {
    await expectCalls('sse-s3', {
      whole: ['get sse-s3', RECORD],
      'inside a chunk': [`get sse-s3 @${S}-${2 * S - 1}`, RECORD],
      'across chunks': [`get sse-s3 @0-${3 * S - 1}`, RECORD],
      open: [`get sse-s3 @${2 * S}-`, RECORD],
      // the HEAD's record read serves the GET too
      suffix: ['head sse-s3', RECORD, `get sse-s3 @${3 * S}-${4 * S - 1}`],
      HEAD: ['head sse-s3', RECORD],
    });
  });

  it('SSE-C: a ranged GET is one GET of the sealed chunks covering it', async () => {
    await expectCalls('sse-c', {
      whole: ['get sse-c'],
      'inside a chunk': [`get sse-c @${S}-${2 * S - 1}`],
      'across chunks': [`get sse-c @0-${3 * S - 1}`],
      open: [`get sse-c @${2 * S}-`],
      suffix: ['head sse-c', `get sse-c @${3 * S}-${4 * S - 1}`],
      // a HEAD with a customer key reads the first bytes: the object may be assembled (below)
      HEAD: [`get sse-c @0-${76 - 1}`],
    });
  });

  it('SSE-C assembled from parts: one GET whole; a range reads its parts as one span, cut from the first GET when it holds it', async () => {
    const H = 76; // a part's header
    const part1 = H + 100_000 + 2 * 16; // part 1's header and sealed chunks
    const part2 = H + 70_000 + 2 * 16;
    await expectCalls('assembled', {
      whole: ['get assembled'],
      // part 1's second chunk: its header alone, the chunk from the first GET
      'inside a chunk': [`get assembled @${S}-${2 * S - 1}`, `get assembled @0-${H - 1}`],
      // from part 1's start through part 2's second chunk: all inside the first GET
      'across chunks': [`get assembled @0-${3 * S - 1}`],
      // from part 2's start (its header) to the end: the first GET started past it
      open: [`get assembled @${2 * S}-`, `get assembled @${part1}-${part1 + part2 + H + 30_000 + 16 - 1}`],
      // the HEAD told the layout: part 3 (its header and chunk) is read at once
      suffix: ['head assembled', `get assembled @${part1 + part2}-${part1 + part2 + H + 30_000 + 16 - 1}`],
      // the key is checked against the first part's header, which a GET of the first bytes brings along
      HEAD: [`get assembled @0-${H - 1}`],
    });
    // partNumber: the HEAD gives the parts, the part is one span from its header
    calls.length = 0;
    const second = await s3.send(
      new GetObjectCommand({ Bucket: 'b', Key: 'assembled', PartNumber: 2, ...CUSTOMER }),
    );
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(PARTS[1]!)).toBe(true);
    expect(calls.filter((c) => !isBucketState(c))).toEqual([
      'head assembled',
      `get assembled @${part1}-${part1 + part2 - 1}`,
    ]);
  });

  it("plain objects in a bucket holding sealed ones: cut from the sealed chunks' span when it covers the range", async () => {
    await expectCalls('plain', {
      whole: ['get plain'],
      'inside a chunk': [`get plain @${S}-${2 * S - 1}`],
      'across chunks': [`get plain @0-${3 * S - 1}`],
      open: [`get plain @${2 * S}-`],
      // the HEAD told it is plain: the range itself
      suffix: ['head plain', 'get plain @199000-199999'],
      HEAD: ['head plain'],
    });
  });

  it('PUT: one write of the object; an SSE-S3 object adds its plaintext-MD5 record (an overwrite drops the old one)', () => {
    const sealedOverwrite = (key: string) => [`head ${key}`, `put ${key}`];
    expect(Object.fromEntries(Object.entries(puts).map(([k, v]) => [k, alike(v)]))).toEqual({
      clear: ['put clear'],
      'clear again': ['put clear'],
      // a bucket holding sealed objects looks at the key first: an SSE-S3 object's record goes with it
      plain: ['head plain', 'put plain'],
      'plain again': sealedOverwrite('plain'),
      // the bucket's first sealed object marks it as holding sealed objects
      'sse-s3': ['put .bucketkit-gateway/sealed', 'put sse-s3', 'put .bucketkit-gateway/sse-etags/E'],
      'sse-s3 again': [
        'head sse-s3',
        'put sse-s3',
        'put .bucketkit-gateway/sse-etags/E',
        'delete .bucketkit-gateway/sse-etags/E',
      ],
      'sse-c': ['head sse-c', 'put sse-c'],
      'sse-c again': sealedOverwrite('sse-c'),
    });
    expect(etags['sse-s3']).toBe(`"${md5(body)}"`);
  });

  it('a HEAD with a customer key of an empty object: the first bytes are none, a HEAD looks instead', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'empty-c', Body: '', ...CUSTOMER }));
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'empty', Body: '' }));
    calls.length = 0;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'empty-c', ...CUSTOMER }));
    expect([head.ContentLength, head.SSECustomerKeyMD5]).toEqual([0, KEY_MD5]);
    expect(calls.filter((c) => !isBucketState(c))).toEqual(['get empty-c @0-75']);
    calls.length = 0;
    const plain = await s3
      .send(new HeadObjectCommand({ Bucket: 'b', Key: 'empty', ...CUSTOMER }))
      .catch((err: { $metadata: { httpStatusCode: number } }) => err.$metadata.httpStatusCode);
    expect(plain).toBe(400);
    expect(calls.filter((c) => !isBucketState(c))).toEqual(['get empty @0-75', 'head empty']);
  });
});

describe('the one-request reads fall back to a second read, never to other bytes', () => {
  const calls: string[] = [];
  const store = memoryStorage();
  const keys = { k1: randomBytes(32) };
  const gateways: Array<{ s3: S3Client; close: () => Promise<void> }> = [];
  /** Two gateways over one store, as two processes: `b` looked at the bucket before it held sealed objects. */
  let a: S3Client;
  let b: S3Client;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const gateway = createGateway({
        buckets: staticBuckets({ x: recording(store, calls, { ranges: true }) }),
        credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
        encryption: { keys, activeKey: 'k1' },
      });
      const listening = await gateway.listen(0, '127.0.0.1');
      const s3 = sdkClient(listening.endpoint);
      gateways.push({
        s3,
        close: async () => {
          s3.destroy();
          await listening.close();
        },
      });
    }
    [a, b] = gateways.map((g) => g.s3) as [S3Client, S3Client];
    await b.send(new PutObjectCommand({ Bucket: 'x', Key: 'early', Body: 'plain' }));
    await b.send(new GetObjectCommand({ Bucket: 'x', Key: 'early', Range: 'bytes=1-2' }));
    await a.send(
      new PutObjectCommand({ Bucket: 'x', Key: 'sealed', Body: body, ServerSideEncryption: 'AES256' }),
    );
    await a.send(new PutObjectCommand({ Bucket: 'x', Key: 'p', Body: body }));
    await a.send(new PutObjectCommand({ Bucket: 'x', Key: 'short', Body: body.subarray(0, 65_545) }));
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });

  const S = 64 * 1024 + 16;
  async function read(s3: S3Client, Key: string, Range: string) {
    calls.length = 0;
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'x', Key, Range }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      return { bytes, range: got.ContentRange, calls: calls.filter((c) => !isBucketState(c)) };
    } catch (err) {
      const { name, $metadata } = err as { name: string; $metadata: { httpStatusCode: number } };
      return { error: `${$metadata.httpStatusCode} ${name}`, calls: calls.filter((c) => !isBucketState(c)) };
    }
  }

  it('a gateway that took the bucket for plaintext-only reads a sealed object again at its chunks', async () => {
    const got = await read(b, 'sealed', 'bytes=70000-70099');
    expect(got.bytes?.equals(body.subarray(70_000, 70_100))).toBe(true);
    expect(got.calls.map((c) => c.replace(/sse-etags\/\w+/, 'sse-etags/E'))).toEqual([
      'get sealed @70000-70099',
      `get sealed @${S}-${2 * S - 1}`,
      'get .bucketkit-gateway/sse-etags/E',
    ]);
  });

  it('a plain object the chunks span does not cover is read again at its range', async () => {
    // byte 65,536 lies before the second sealed chunk's start (65,552)
    const got = await read(a, 'p', 'bytes=65536-65600');
    expect([got.bytes?.equals(body.subarray(65_536, 65_601)), got.range]).toEqual([
      true,
      'bytes 65536-65600/200000',
    ]);
    expect(got.calls).toEqual([`get p @${S}-${2 * S - 1}`, 'get p @65536-65600']);
    // an open range whose chunk starts past a plain object's end: the port refuses it, the range itself reads
    const tail = await read(a, 'short', 'bytes=65540-');
    expect([tail.bytes?.equals(body.subarray(65_540, 65_545)), tail.range]).toEqual([
      true,
      'bytes 65540-65544/65545',
    ]);
    expect(tail.calls).toEqual([`get short @${S}-`, 'get short @65540-']);
  });

  it('ranges past the end are 416 InvalidRange; an end before the start is the whole object', async () => {
    // inside the last sealed chunk: its answer tells the plaintext size
    expect(await read(a, 'sealed', 'bytes=200000-')).toEqual({
      error: '416 InvalidRange',
      calls: [`get sealed @${3 * S}-`],
    });
    // past the stored end: the range itself asked, refused too
    expect(await read(a, 'sealed', 'bytes=300000-')).toEqual({
      error: '416 InvalidRange',
      calls: [`get sealed @${4 * S}-`, 'get sealed @300000-'],
    });
    expect((await read(a, 'sealed', 'bytes=300000-3')).error).toBe('416 InvalidRange');
    const backwards = await read(a, 'sealed', 'bytes=5-3');
    expect([backwards.bytes?.equals(body), backwards.range]).toEqual([true, undefined]);
    expect((await read(a, 'p', 'bytes=-0')).error).toBe('416 InvalidRange');
  });
});
