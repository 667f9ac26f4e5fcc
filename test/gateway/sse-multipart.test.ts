import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { createGateway, folderBuckets } from '../../src/gateway/index.js';
import { HEADER } from '../../src/gateway/sse/assembled.js';
import { fileStorage, sealedSize } from '../../src/storage/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, sdkGateway } from './support.js';

/**
 * Encrypted multipart uploads (issue #19 item 7's gap: CreateMultipartUpload with SSE headers used to
 * answer 501). The upload keeps its encryption; parts are sealed as they arrive, Complete seals the
 * object; SSE-S3 parts and objects show plaintext MD5s, so the object's ETag is S3's md5-of-part-MD5s-N.
 * Also: the plaintext-MD5 records of SSE-S3 objects go with their objects.
 */
const KMS = 'kms-key-1';
const t = sdkGateway(
  {
    encryption: {
      keys: { k1: randomBytes(32), [KMS]: randomBytes(32) },
      activeKey: 'k1',
      customerKeysOverHttp: true,
    },
    limits: { minPartSize: 64 * 1024 },
  },
  'mpsse',
);
const CUSTOMER = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'c'.repeat(32) } as const;
const OTHER = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'o'.repeat(32) } as const;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { $metadata?: { httpStatusCode?: number }; name?: string }) =>
      `${err.$metadata?.httpStatusCode} ${err.name}`,
  );

/** Distinct, recognisable parts: each starts with a marker that must not be found at rest. */
const parts = [0, 1, 2].map((i) => {
  const bytes = randomBytes(i < 2 ? 100_000 : 30_000);
  bytes.write(`PLAINTEXT-MARKER-${i}-`, 0);
  return bytes;
});

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}
async function onDisk(needle: string): Promise<boolean> {
  for (const file of await filesUnder(join(t.gw.root, 'mpsse'))) {
    if ((await readFile(file)).includes(needle)) return true;
  }
  return false;
}
const etagRecords = async () =>
  (await filesUnder(join(t.gw.root, 'mpsse'))).filter((f) => f.includes('sse-etags')).length;

type Sse = Record<string, string>;

async function upload(s3: S3Client, key: string, create: Sse, perPart: Sse, complete: Sse) {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: 'mpsse', Key: key, ...create }),
  );
  const done = [];
  for (const [i, body] of parts.entries()) {
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: 'mpsse',
        Key: key,
        UploadId,
        PartNumber: i + 1,
        Body: body,
        ...perPart,
      }),
    );
    done.push({ part, PartNumber: i + 1, ETag: part.ETag! });
  }
  const listed = await s3.send(new ListPartsCommand({ Bucket: 'mpsse', Key: key, UploadId, ...perPart }));
  const result = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'mpsse',
      Key: key,
      UploadId,
      MultipartUpload: { Parts: done.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
      ...complete,
    }),
  );
  return { UploadId, done, listed, result };
}

const whole = Buffer.concat(parts);

describe('encrypted multipart uploads', () => {
  it('SSE-S3: parts answer their plaintext MD5, the object md5-of-MD5s-3, sealed at rest, read whole and by part', async () => {
    const { done, listed, result } = await upload(t.s3, 's3.bin', { ServerSideEncryption: 'AES256' }, {}, {});
    expect(done.map((d) => d.ETag)).toEqual(parts.map((p) => `"${md5(p)}"`));
    expect(done.map((d) => d.part.ServerSideEncryption)).toEqual(['AES256', 'AES256', 'AES256']);
    expect(listed.Parts?.map((p) => [p.ETag, p.Size])).toEqual(parts.map((p) => [`"${md5(p)}"`, p.length]));
    const expected = `"${createHash('md5')
      .update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest())))
      .digest('hex')}-3"`;
    expect([result.ETag, result.ServerSideEncryption]).toEqual([expected, 'AES256']);
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 's3.bin' }));
    expect([got.ETag, got.ServerSideEncryption, got.ContentLength]).toEqual([
      expected,
      'AES256',
      whole.length,
    ]);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    const second = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 's3.bin', PartNumber: 2 }));
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
    const listing = await t.s3.send(new ListObjectsV2Command({ Bucket: 'mpsse', Prefix: 's3.bin' }));
    expect(listing.Contents?.map((o) => [o.Size, o.ETag])).toEqual([[whole.length, expected]]);
    for (const i of [0, 1, 2]) expect(await onDisk(`PLAINTEXT-MARKER-${i}-`)).toBe(false);
  });

  it('SSE-KMS with a configured key id: every answer names the key; an unknown key id stores nothing', async () => {
    const kms = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS } as const;
    const { done, result } = await upload(t.s3, 'kms.bin', kms, {}, {});
    expect(done.map((d) => d.part.SSEKMSKeyId)).toEqual([KMS, KMS, KMS]);
    expect([result.ServerSideEncryption, result.SSEKMSKeyId, result.ETag]).toEqual([
      'aws:kms',
      KMS,
      expect.stringMatching(/-3"$/),
    ]);
    const head = await t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'kms.bin' }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.ContentLength]).toEqual([
      'aws:kms',
      KMS,
      whole.length,
    ]);
    const got = await t.s3.send(
      new GetObjectCommand({ Bucket: 'mpsse', Key: 'kms.bin', Range: 'bytes=99990-100020' }),
    );
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole.subarray(99_990, 100_021))).toBe(
      true,
    );
    expect(
      await status(
        t.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: 'mpsse',
            Key: 'nokms',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: 'nope',
          }),
        ),
      ),
    ).toBe('400 KMS.NotFoundException');
  });

  it('SSE-C: every part carries the key (without it 400, with another key 403), Complete may too; GET needs it', async () => {
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'mpsse', Key: 'ssec-refused', ...CUSTOMER }),
    );
    const part = (extra: Sse) =>
      t.s3.send(
        new UploadPartCommand({
          Bucket: 'mpsse',
          Key: 'ssec-refused',
          UploadId,
          PartNumber: 1,
          Body: parts[0],
          ...extra,
        }),
      );
    expect(await status(part({}))).toBe('400 InvalidRequest');
    expect(await status(part(OTHER))).toBe('403 AccessDenied');
    const { done, result } = await upload(t.s3, 'ssec.bin', CUSTOMER, CUSTOMER, CUSTOMER);
    expect(done.map((d) => d.part.SSECustomerAlgorithm)).toEqual(['AES256', 'AES256', 'AES256']);
    expect(result.ETag).toMatch(/-3"$/);
    expect(await status(t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'ssec.bin' })))).toBe(
      '400 InvalidRequest',
    );
    expect(
      await status(t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'ssec.bin', ...OTHER }))),
    ).toBe('403 AccessDenied');
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'ssec.bin', ...CUSTOMER }));
    expect([got.SSECustomerAlgorithm, got.ContentLength]).toEqual(['AES256', whole.length]);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    // Complete without the key, as S3 allows (awscli, boto3, rclone and minio-js send none): the sealed
    // parts are joined as they lie; a key it does send must be the upload's, and nothing is stored on a refusal
    const { UploadId: again } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'mpsse', Key: 'ssec-nokey', ...CUSTOMER }),
    );
    const one = await t.s3.send(
      new UploadPartCommand({
        Bucket: 'mpsse',
        Key: 'ssec-nokey',
        UploadId: again,
        PartNumber: 1,
        Body: parts[2],
        ...CUSTOMER,
      }),
    );
    const complete = (extra: Sse) =>
      t.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'mpsse',
          Key: 'ssec-nokey',
          UploadId: again,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag! }] },
          ...extra,
        }),
      );
    expect(await status(complete(OTHER))).toBe('403 AccessDenied');
    expect(
      await status(t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'ssec-nokey', ...CUSTOMER }))),
    ).toBe('404 NotFound');
    expect(await status(complete({}))).toBe(200);
    const back = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'ssec-nokey', ...CUSTOMER }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(parts[2]!)).toBe(true);
    for (const i of [0, 1, 2]) expect(await onDisk(`PLAINTEXT-MARKER-${i}-`)).toBe(false);
  });

  it('SSE-C assembled without the key: ranges across parts, partNumber, HEAD, listing, copy, versions, wrong keys', async () => {
    const { result } = await upload(t.s3, 'asm.bin', CUSTOMER, CUSTOMER, {});
    expect(result.ETag).toMatch(/-3"$/);
    const get = (extra: Record<string, unknown>) =>
      t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'asm.bin', ...CUSTOMER, ...extra }));
    const whole1 = await get({});
    expect([whole1.SSECustomerAlgorithm, whole1.ContentLength, whole1.ETag]).toEqual([
      'AES256',
      whole.length,
      result.ETag,
    ]);
    expect(Buffer.from(await whole1.Body!.transformToByteArray()).equals(whole)).toBe(true);
    // ranges: inside one part, across the part boundary (100,000), across all three, the last bytes
    for (const [a, b] of [
      [5, 70_000],
      [99_990, 100_020],
      [65_530, 200_010],
      [whole.length - 7, whole.length - 1],
    ] as const) {
      const got = await get({ Range: `bytes=${a}-${b}` });
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole.subarray(a, b + 1))).toBe(true);
    }
    const second = await get({ PartNumber: 2 });
    expect([second.PartsCount, second.ContentLength]).toEqual([3, parts[1]!.length]);
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
    const head = await t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'asm.bin', ...CUSTOMER }));
    expect([head.ContentLength, head.SSECustomerKeyMD5]).toEqual([
      whole.length,
      createHash('md5').update(CUSTOMER.SSECustomerKey).digest('base64'),
    ]);
    for (const extra of [{}, OTHER]) {
      expect(
        await status(t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'asm.bin', ...extra }))),
      ).toMatch(/^40[03] /);
      expect(
        await status(t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'asm.bin', ...extra }))),
      ).toBe('SSECustomerKey' in extra ? '403 AccessDenied' : '400 InvalidRequest');
    }
    const listed = await t.s3.send(new ListObjectsV2Command({ Bucket: 'mpsse', Prefix: 'asm.bin' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['asm.bin', whole.length]]);
    // CopyObject reads it with the source key and seals the copy under SSE-S3
    await t.s3.send(
      new CopyObjectCommand({
        Bucket: 'mpsse',
        Key: 'asm-copy.bin',
        CopySource: 'mpsse/asm.bin',
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: CUSTOMER.SSECustomerKey,
        ServerSideEncryption: 'AES256',
      }),
    );
    const copy = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'asm-copy.bin' }));
    expect(copy.ServerSideEncryption).toBe('AES256');
    expect(Buffer.from(await copy.Body!.transformToByteArray()).equals(whole)).toBe(true);
    for (const i of [0, 1, 2]) expect(await onDisk(`PLAINTEXT-MARKER-${i}-`)).toBe(false);
  });

  it('SSE-C assembled in a versioned bucket with default encryption: the version is the sealed parts, not re-sealed', async () => {
    await t.s3.send(new CreateBucketCommand({ Bucket: 'mpssev' }));
    await t.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'mpssev', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await t.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'mpssev',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'mpssev', Key: 'v.bin', ...CUSTOMER }),
    );
    const done = [];
    for (const [i, body] of parts.entries()) {
      const part = await t.s3.send(
        new UploadPartCommand({
          Bucket: 'mpssev',
          Key: 'v.bin',
          UploadId,
          PartNumber: i + 1,
          Body: body,
          ...CUSTOMER,
        }),
      );
      done.push({ PartNumber: i + 1, ETag: part.ETag! });
    }
    const result = await t.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpssev',
        Key: 'v.bin',
        UploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    expect(result.VersionId).toBeTruthy();
    const got = await t.s3.send(
      new GetObjectCommand({ Bucket: 'mpssev', Key: 'v.bin', VersionId: result.VersionId, ...CUSTOMER }),
    );
    expect(got.SSECustomerAlgorithm).toBe('AES256');
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    expect(await status(t.s3.send(new GetObjectCommand({ Bucket: 'mpssev', Key: 'v.bin' })))).toBe(
      '400 InvalidRequest',
    );
  });

  it('SSE-C assembled from part copies of an SSE-S3 and an SSE-C object and an uploaded part, completed without the key', async () => {
    await t.s3.send(new PutObjectCommand({ Bucket: 'mpsse', Key: 'src-c.bin', Body: parts[1], ...OTHER }));
    await t.s3.send(
      new PutObjectCommand({
        Bucket: 'mpsse',
        Key: 'src-s3.bin',
        Body: parts[0],
        ServerSideEncryption: 'AES256',
      }),
    );
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'mpsse', Key: 'mixed.bin', ...CUSTOMER }),
    );
    const copied = await t.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'mpsse',
        Key: 'mixed.bin',
        UploadId,
        PartNumber: 1,
        CopySource: 'mpsse/src-s3.bin',
        ...CUSTOMER,
      }),
    );
    const fromC = await t.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'mpsse',
        Key: 'mixed.bin',
        UploadId,
        PartNumber: 2,
        CopySource: 'mpsse/src-c.bin',
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: OTHER.SSECustomerKey,
        ...CUSTOMER,
      }),
    );
    const sent = await t.s3.send(
      new UploadPartCommand({
        Bucket: 'mpsse',
        Key: 'mixed.bin',
        UploadId,
        PartNumber: 3,
        Body: parts[2],
        ...CUSTOMER,
      }),
    );
    await t.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpsse',
        Key: 'mixed.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: copied.CopyPartResult!.ETag! },
            { PartNumber: 2, ETag: fromC.CopyPartResult!.ETag! },
            { PartNumber: 3, ETag: sent.ETag! },
          ],
        },
      }),
    );
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'mixed.bin', ...CUSTOMER }));
    const expected = Buffer.concat([parts[0]!, parts[1]!, parts[2]!]);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(expected)).toBe(true);
    expect(await status(t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'mixed.bin' })))).toBe(
      '400 InvalidRequest',
    );
  });

  it('SSE-C assembled: parts swapped at rest, or moved with their headers renumbered, fail the read instead of reading in another order', async () => {
    await upload(t.s3, 'swap.bin', CUSTOMER, CUSTOMER, {});
    const raw = fileStorage(join(t.gw.root, 'mpsse'));
    const stored = await raw.get('swap.bin');
    const bytes = Buffer.from(await stored.bytes());
    const segment = HEADER + sealedSize(parts[0]!.length); // parts 1 and 2 are the same size
    const first = bytes.subarray(0, segment);
    const second = bytes.subarray(segment, 2 * segment);
    const rest = bytes.subarray(2 * segment);
    const renumbered = (piece: Buffer, n: number) => {
      const copy = Buffer.from(piece);
      copy.writeUInt32BE(n, 4);
      return copy;
    };
    const read = (extra: Record<string, unknown> = {}) =>
      status(t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'swap.bin', ...CUSTOMER, ...extra })));
    expect(await read()).toBe(200);
    for (const body of [
      Buffer.concat([second, first, rest]),
      Buffer.concat([renumbered(second, 1), renumbered(first, 2), rest]),
    ]) {
      await raw.put('swap.bin', body, { metadata: stored.metadata, etag: 'any' });
      expect(await read()).not.toBe(200);
      expect(await read({ PartNumber: 2 })).not.toBe(200);
    }
    await raw.put('swap.bin', bytes, { metadata: stored.metadata, etag: 'any' });
    expect(await read()).toBe(200);
  });

  it('SSE-C with a checksum algorithm: Complete needs the key (as S3 requires), and takes the full-object checksum with it', async () => {
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'mpsse',
        Key: 'ssec-crc.bin',
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: 'FULL_OBJECT',
        ...CUSTOMER,
      }),
    );
    const one = await t.s3.send(
      new UploadPartCommand({
        Bucket: 'mpsse',
        Key: 'ssec-crc.bin',
        UploadId,
        PartNumber: 1,
        Body: parts[2],
        ChecksumAlgorithm: 'CRC32',
        ...CUSTOMER,
      }),
    );
    const complete = (extra: Sse) =>
      t.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'mpsse',
          Key: 'ssec-crc.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag!, ChecksumCRC32: one.ChecksumCRC32! }] },
          ...extra,
        }),
      );
    expect(await status(complete({}))).toBe('400 InvalidRequest');
    expect(
      await status(t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'ssec-crc.bin', ...CUSTOMER }))),
    ).toBe('404 NotFound');
    expect(await status(complete(CUSTOMER))).toBe(200);
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: 'ssec-crc.bin', ...CUSTOMER }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(parts[2]!)).toBe(true);
  });

  it('the AWS SDK v3 Upload (lib-storage) sends a large SSE-C and SSE-S3 file in parts by itself', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 1000);
    big.write('PLAINTEXT-MARKER-big', 0);
    for (const [key, sse] of [
      ['lib-ssec.bin', CUSTOMER],
      ['lib-s3.bin', { ServerSideEncryption: 'AES256' }],
    ] as const) {
      await new Upload({
        client: t.s3,
        params: { Bucket: 'mpsse', Key: key, Body: big, ...sse },
        partSize: 5 * 1024 * 1024,
      }).done();
      const read = 'SSECustomerKey' in sse ? sse : {};
      const got = await t.s3.send(new GetObjectCommand({ Bucket: 'mpsse', Key: key, ...read }));
      expect(got.ETag).toMatch(/-2"$/);
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
    }
    expect(
      t.gw.requests.filter((r) => /^PUT \/mpsse\/lib-ssec\.bin\?.*partNumber=\d.* 200$/.test(r)),
    ).toHaveLength(2);
    expect(await onDisk('PLAINTEXT-MARKER-big')).toBe(false);
  }, 60_000);

  it('the plaintext-MD5 record of an SSE-S3 object goes when the object is overwritten or deleted', async () => {
    const before = await etagRecords();
    const put = (body: string) =>
      t.s3.send(
        new PutObjectCommand({
          Bucket: 'mpsse',
          Key: 'swept.txt',
          Body: body,
          ServerSideEncryption: 'AES256',
        }),
      );
    await put('first');
    expect(await etagRecords()).toBe(before + 1);
    await put('second');
    await put('third');
    expect(await etagRecords()).toBe(before + 1);
    const head = await t.s3.send(new HeadObjectCommand({ Bucket: 'mpsse', Key: 'swept.txt' }));
    expect(head.ETag).toBe(`"${md5(Buffer.from('third'))}"`);
    // overwritten in the clear: the record goes too
    await t.s3.send(new PutObjectCommand({ Bucket: 'mpsse', Key: 'swept.txt', Body: 'plain' }));
    expect(await etagRecords()).toBe(before);
    await put('fourth');
    await t.s3.send(new DeleteObjectCommand({ Bucket: 'mpsse', Key: 'swept.txt' }));
    expect(await etagRecords()).toBe(before);
    // the parts' records go when Complete removes the parts
    await upload(t.s3, 'swept.bin', { ServerSideEncryption: 'AES256' }, {}, {});
    expect(await etagRecords()).toBe(before);
  });

  it('lifecycle expiry and aborted uploads take the records along', async () => {
    let now = Date.now();
    const root = await mkdtemp(join(tmpdir(), 'bk-sse-life-'));
    const buckets = folderBuckets(root, { durable: false });
    const gateway = createGateway({
      buckets,
      credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
      encryption: { keys: { k1: randomBytes(32) } },
      lifecycle: { clock: () => now },
    });
    const { endpoint, close } = await gateway.listen(0, '127.0.0.1');
    const s3 = sdkClient(endpoint);
    const records = async () =>
      (await readdir(join(root, 'life'), { recursive: true })).filter((f) => String(f).includes('sse-etags/'))
        .length;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'life' }));
      await s3.send(
        new PutObjectCommand({ Bucket: 'life', Key: 'old.txt', Body: 'old', ServerSideEncryption: 'AES256' }),
      );
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: 'life', Key: 'left.bin', ServerSideEncryption: 'AES256' }),
      );
      await s3.send(
        new UploadPartCommand({ Bucket: 'life', Key: 'left.bin', UploadId, PartNumber: 1, Body: 'part' }),
      );
      expect(await records()).toBe(2);
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: 'life',
          LifecycleConfiguration: {
            Rules: [
              {
                ID: 'all',
                Status: 'Enabled',
                Filter: {},
                Expiration: { Days: 1 },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              },
            ],
          },
        }),
      );
      now += 3 * 86_400_000;
      await gateway.sweepLifecycle();
      expect(await records()).toBe(0);
      expect((await s3.send(new ListObjectsV2Command({ Bucket: 'life' }))).KeyCount).toBe(0);
    } finally {
      s3.destroy();
      await close();
      await buckets.close?.();
      await rm(root, { recursive: true, force: true });
    }
  });
});
