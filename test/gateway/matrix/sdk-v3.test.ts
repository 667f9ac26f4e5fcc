import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { BOB, CUSTOMER_KEY, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, the AWS SDK for JavaScript v3 (issue #19 item 7): PutObjectAcl grants, a
 * canned ACL on an upload that lib-storage sends in parts, a bucket policy, and every SSE mode
 * (SSE-S3, SSE-KMS with a configured key id, SSE-C) for PutObject, HeadObject, GetObject, CopyObject
 * and a 6 MiB lib-storage Upload in parts (which sends the customer key with every part and Complete).
 */
const m = matrixGateway();
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { $metadata?: { httpStatusCode?: number }; name?: string }) =>
      `${err.$metadata?.httpStatusCode} ${err.name}`,
  );

describe('AWS SDK v3 × users, ACLs, a policy and every SSE mode', () => {
  let bob: S3Client | undefined;
  const asBob = () => {
    bob ??= m.sdk(BOB);
    return bob;
  };

  it('users and ACLs: a grant by id lets bob read; a public-read multipart upload is public once complete', async () => {
    const s3 = m.sdk();
    await s3.send(new CreateBucketCommand({ Bucket: 'sdkm' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sdkm', Key: 'acl.txt', Body: 'for bob' }));
    expect(await failure(asBob().send(new GetObjectCommand({ Bucket: 'sdkm', Key: 'acl.txt' })))).toBe(
      '403 AccessDenied',
    );
    await s3.send(new PutObjectAclCommand({ Bucket: 'sdkm', Key: 'acl.txt', GrantRead: 'id=bob' }));
    const got = await asBob().send(new GetObjectCommand({ Bucket: 'sdkm', Key: 'acl.txt' }));
    expect(await got.Body!.transformToString()).toBe('for bob');
    const big = await m.file('sdk-public.bin', 6 * 1024 * 1024, 'SDK-PUBLIC-');
    await new Upload({
      client: s3,
      params: { Bucket: 'sdkm', Key: 'public.bin', Body: big.bytes, ACL: 'public-read' },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(m.served(/^POST \/sdkm\/public\.bin\?uploads/)).toHaveLength(1);
    const anonymous = await fetch(`${m.gw.endpoint}/sdkm/public.bin`);
    expect([anonymous.status, Buffer.from(await anonymous.arrayBuffer()).equals(big.bytes)]).toEqual([
      200,
      true,
    ]);
  });

  it('a bucket policy: bob may write to inbox/ once it is set; its Deny stops the owner reading sealed/', async () => {
    const s3 = m.sdk();
    const put = (client: S3Client, Key: string) =>
      failure(client.send(new PutObjectCommand({ Bucket: 'sdkm', Key, Body: 'x' })));
    expect(await put(asBob(), 'inbox/b.txt')).toBe('403 AccessDenied');
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'sdkm', Policy: matrixPolicy('sdkm') }));
    expect(await put(asBob(), 'inbox/b.txt')).toBe('ok');
    expect(await put(s3, 'sealed/s.txt')).toBe('ok');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'sdkm', Key: 'sealed/s.txt' })))).toBe(
      '403 AccessDenied',
    );
  });

  it('SSE-S3, SSE-KMS and SSE-C: put, head, get, copy and a 6 MiB upload in parts — sealed at rest', async () => {
    const s3 = m.sdk();
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY };
    const modes = [
      ['s3', { ServerSideEncryption: 'AES256' }, {}, { ServerSideEncryption: 'AES256' }],
      [
        'kms',
        { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY },
        {},
        { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY },
      ],
      ['c', customer, customer, { SSECustomerAlgorithm: 'AES256' }],
    ] as const;
    for (const [name, write, read, expected] of modes) {
      const small = await m.file(`sdk-${name}.txt`, 3000, `SDK-${name}-SMALL-`);
      const big = await m.file(`sdk-${name}.bin`, 6 * 1024 * 1024, `SDK-${name}-BIG-`);
      expect(
        await s3.send(
          new PutObjectCommand({ Bucket: 'sdkm', Key: `${name}.txt`, Body: small.bytes, ...write }),
        ),
      ).toMatchObject(expected);
      await new Upload({
        client: s3,
        params: { Bucket: 'sdkm', Key: `${name}.bin`, Body: big.bytes, ...write },
        partSize: 5 * 1024 * 1024,
      }).done();
      const copySource =
        name === 'c'
          ? { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: CUSTOMER_KEY }
          : {};
      const copied = await s3.send(
        new CopyObjectCommand({
          Bucket: 'sdkm',
          Key: `${name}-copy.txt`,
          CopySource: `sdkm/${name}.txt`,
          ...copySource,
          ...write,
        }),
      );
      expect(copied).toMatchObject(expected);
      for (const [key, file] of [
        [`${name}.txt`, small],
        [`${name}-copy.txt`, small],
        [`${name}.bin`, big],
      ] as const) {
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdkm', Key: key, ...read }));
        expect(head, key).toMatchObject({ ...expected, ContentLength: file.bytes.length });
        const got = await s3.send(new GetObjectCommand({ Bucket: 'sdkm', Key: key, ...read }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(file.bytes), key).toBe(true);
      }
      expect(m.served(new RegExp(`^POST /sdkm/${name}\\.bin\\?uploadId=\\w+ 200$`))).toHaveLength(1);
      expect(await m.atRest('sdkm', `SDK-${name}-SMALL-`)).toBe(false);
      expect(await m.atRest('sdkm', `SDK-${name}-BIG-`)).toBe(false);
    }
    const other = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'another-customer-key-32-bytes-ok' };
    for (const key of ['c.txt', 'c.bin']) {
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'sdkm', Key: key })))).toBe(
        '400 InvalidRequest',
      );
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'sdkm', Key: key, ...other })))).toBe(
        '403 AccessDenied',
      );
    }
  }, 120_000);
});
