import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CUSTOMER_KEY, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, minio-js 8 (issue #19 item 7). minio-js has no object-ACL call and sends no grant
 * headers (it turns `x-amz-grant-*` into user metadata), so bob is let in by the canned ACL it does
 * send (`x-amz-acl: authenticated-read`); the policy is `setBucketPolicy`. SSE goes as headers: SSE-S3
 * and SSE-KMS (putObject metadata, copyObject's destination headers), SSE-C (the three customer headers
 * on putObject and copy, getObject's `SSECustomer*` options). A 6 MiB putObject from a stream goes
 * through the multipart API by itself for SSE-S3 and SSE-KMS (minio-js 8.0.7 sends it as one part,
 * numbered 2). Its putObject sends no customer key with the parts it cuts, which S3 refuses for an
 * SSE-C upload (and so does the gateway, storing nothing); its multipart calls
 * (`initiateNewMultipartUpload`, `uploadPart` with headers, `completeMultipartUpload`, which sends no
 * key, as S3 allows) put an SSE-C object in parts.
 */
const m = matrixGateway();
const b64 = (text: string) => Buffer.from(text).toString('base64');
const customerHeaders = (prefix = 'X-Amz-Server-Side-Encryption-Customer-') => ({
  [`${prefix}Algorithm`]: 'AES256',
  [`${prefix}Key`]: b64(CUSTOMER_KEY),
  [`${prefix}Key-MD5`]: createHash('md5').update(CUSTOMER_KEY).digest('base64'),
});

describe('minio-js × users, ACLs, a policy and every SSE mode', () => {
  const client = (as: typeof ALICE) => {
    const url = new URL(m.gw.endpoint);
    return new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: as.accessKeyId,
      secretKey: as.secretAccessKey,
      region: 'us-east-1',
      pathStyle: true,
      partSize: 5 * 1024 * 1024,
    });
  };
  const read = async (stream: Promise<Readable>) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );

  it('users and ACLs: bob is refused, then reads once alice puts the object authenticated-read', async () => {
    const [alice, bob] = [client(ALICE), client(BOB)];
    await alice.makeBucket('miniom', 'us-east-1');
    await alice.putObject('miniom', 'acl.txt', Buffer.from('for bob'));
    expect(await code(read(bob.getObject('miniom', 'acl.txt')))).toBe('AccessDenied');
    await alice.putObject('miniom', 'acl.txt', Buffer.from('for bob'), undefined, {
      'x-amz-acl': 'authenticated-read',
    });
    expect((await read(bob.getObject('miniom', 'acl.txt'))).toString()).toBe('for bob');
  });

  it('setBucketPolicy: bob may write to inbox/; the Deny stops the owner reading sealed/', async () => {
    const [alice, bob] = [client(ALICE), client(BOB)];
    const put = (c: Minio.Client, key: string) => code(c.putObject('miniom', key, Buffer.from('x')));
    expect(await put(bob, 'inbox/b.txt')).toBe('AccessDenied');
    await alice.setBucketPolicy('miniom', matrixPolicy('miniom'));
    expect(await put(bob, 'inbox/b.txt')).toBe('ok');
    expect(await put(alice, 'sealed/s.txt')).toBe('ok');
    expect(await code(read(alice.getObject('miniom', 'sealed/s.txt')))).toBe('AccessDenied');
  });

  it('SSE-S3, SSE-KMS and SSE-C: put, stat, get, copy, and 6 MiB through the multipart API — sealed at rest', async () => {
    const alice = client(ALICE);
    const modes = [
      ['s3', { 'X-Amz-Server-Side-Encryption': 'AES256' }],
      [
        'kms',
        { 'X-Amz-Server-Side-Encryption': 'aws:kms', 'X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': KMS_KEY },
      ],
    ] as const;
    for (const [name, headers] of modes) {
      const small = await m.file(`mn-${name}.txt`, 3000, `MN-${name}-SMALL-`);
      const big = await m.file(`mn-${name}.bin`, 6 * 1024 * 1024, `MN-${name}-BIG-`);
      await alice.putObject('miniom', `${name}.txt`, small.bytes, small.bytes.length, headers);
      await alice.putObject('miniom', `${name}.bin`, Readable.from([big.bytes]), big.bytes.length, headers);
      await alice.copyObject(
        new Minio.CopySourceOptions({ Bucket: 'miniom', Object: `${name}.txt` }),
        new Minio.CopyDestinationOptions({
          Bucket: 'miniom',
          Object: `${name}-copy.txt`,
          Headers: headers,
        }),
      );
      for (const [key, file] of [
        [`${name}-copy.txt`, small],
        [`${name}.bin`, big],
      ] as const) {
        const stat = await alice.statObject('miniom', key);
        expect(stat.size, key).toBe(file.bytes.length);
        expect((await read(alice.getObject('miniom', key))).equals(file.bytes), key).toBe(true);
      }
      expect(m.served(new RegExp(`^POST /miniom/${name}\\.bin\\?uploadId=\\w+ 200$`))).toHaveLength(1);
      expect(await m.atRest('miniom', `MN-${name}-SMALL-`)).toBe(false);
      expect(await m.atRest('miniom', `MN-${name}-BIG-`)).toBe(false);
    }
    const head = await fetchHead(alice, 'kms-copy.txt');
    expect(head).toMatchObject({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': KMS_KEY,
    });

    const small = await m.file('mn-c.txt', 3000, 'MN-c-SMALL-');
    await alice.putObject('miniom', 'c.txt', small.bytes, small.bytes.length, customerHeaders());
    const key = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: b64(CUSTOMER_KEY),
      SSECustomerKeyMD5: customerHeaders()['X-Amz-Server-Side-Encryption-Customer-Key-MD5'],
    };
    expect((await read(alice.getObject('miniom', 'c.txt', key))).equals(small.bytes)).toBe(true);
    expect(await code(read(alice.getObject('miniom', 'c.txt')))).toBe('InvalidRequest');
    await alice.copyObject(
      new Minio.CopySourceOptions({ Bucket: 'miniom', Object: 'c.txt' }),
      new Minio.CopyDestinationOptions({
        Bucket: 'miniom',
        Object: 'c-copy.txt',
        Headers: {
          ...customerHeaders(),
          ...customerHeaders('X-Amz-Copy-Source-Server-Side-Encryption-Customer-'),
        },
      }),
    );
    expect((await read(alice.getObject('miniom', 'c-copy.txt', key))).equals(small.bytes)).toBe(true);
    expect(await m.atRest('miniom', 'MN-c-SMALL-')).toBe(false);
  }, 120_000);

  it('SSE-C in parts: putObject cuts parts without the key (refused, nothing stored); its multipart calls put 11 MiB in 3 parts', async () => {
    const alice = client(ALICE);
    const big = await m.file('mn-c.bin', 11 * 1024 * 1024, 'MN-c-BIG-');
    const key = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: b64(CUSTOMER_KEY),
      SSECustomerKeyMD5: customerHeaders()['X-Amz-Server-Side-Encryption-Customer-Key-MD5'],
    };
    await expect(
      alice.putObject('miniom', 'c-put.bin', Readable.from([big.bytes]), big.bytes.length, customerHeaders()),
    ).rejects.toMatchObject({ code: 'InvalidRequest' });
    expect(await code(alice.statObject('miniom', 'c-put.bin'))).toBe('NotFound');

    const uploadId = await alice.initiateNewMultipartUpload('miniom', 'c.bin', customerHeaders());
    const etags: Array<{ part: number; etag: string }> = [];
    const size = 5 * 1024 * 1024;
    for (let part = 1; part * size - size < big.bytes.length; part++) {
      const chunk = big.bytes.subarray((part - 1) * size, part * size);
      const done = await alice.uploadPart(
        {
          bucketName: 'miniom',
          objectName: 'c.bin',
          uploadID: uploadId,
          partNumber: part,
          headers: customerHeaders(),
        },
        chunk,
      );
      etags.push({ part, etag: done.etag });
    }
    const completed = await alice.completeMultipartUpload('miniom', 'c.bin', uploadId, etags);
    expect(completed.etag).toMatch(/-3$/);
    expect(m.served(/^POST \/miniom\/c\.bin\?uploadId=\w+ 200$/)).toHaveLength(1);
    expect((await read(alice.getObject('miniom', 'c.bin', key))).equals(big.bytes)).toBe(true);
    const ranged = await read(alice.getPartialObject('miniom', 'c.bin', size - 10, 30, key));
    expect(ranged.equals(big.bytes.subarray(size - 10, size + 20))).toBe(true);
    expect(await code(read(alice.getObject('miniom', 'c.bin')))).toBe('InvalidRequest');
    expect(await m.atRest('miniom', 'MN-c-BIG-')).toBe(false);
  }, 120_000);
});

/** The response headers of a HEAD as alice (minio-js's statObject keeps only a few of them). */
async function fetchHead(client: Minio.Client, key: string): Promise<Record<string, string>> {
  const url = await client.presignedUrl('HEAD', 'miniom', key, 600);
  const res = await fetch(url, { method: 'HEAD' });
  return Object.fromEntries(res.headers);
}
