import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type ListeningGateway, staticBuckets } from '../../src/gateway/index.js';
import { multipartEtag, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';
import { rawClient, type S3Server, startCephRgw } from '../support/servers.js';
import { ACCESS_KEY, MIB, SECRET_KEY, sdkClient } from './support.js';

/** A gateway in front of an s3 port (s3rver behind it): the port's own multipart API holds the parts. */
describe('gateway over a port with its own multipart API (s3 adapter → Ceph RGW)', () => {
  let backend: S3Server;
  let port: StoragePort;
  let listening: ListeningGateway;
  let s3: S3Client;
  let behind: S3Client;
  const Bucket = 'front';
  beforeAll(async () => {
    backend = await startCephRgw('back');
    port = s3Storage({
      bucket: 'back',
      endpoint: backend.endpoint,
      credentials: { accessKeyId: backend.accessKeyId, secretAccessKey: backend.secretAccessKey },
    });
    listening = await createGateway({
      buckets: staticBuckets({ [Bucket]: port }),
      credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    }).listen(0);
    s3 = sdkClient(listening.endpoint);
    behind = rawClient(backend);
  }, 300_000);
  afterAll(async () => {
    s3?.destroy();
    behind?.destroy();
    await listening?.close();
    await port?.close?.();
    await backend?.stop();
  });

  it('UploadPart, UploadPartCopy, ListParts and Complete go to the backend’s multipart upload', async () => {
    const a = pseudoRandomBytes(5 * MIB, 51);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'copied tail' }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'native', Metadata: { m: '1' } }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'native', UploadId, PartNumber: 1, Body: a }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: 'native',
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/src`,
      }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket, Key: 'native', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MIB, p1.ETag],
      [2, 11, p2.CopyPartResult?.ETag],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'native',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toBe(`"${multipartEtag([md5Hex(a), md5Hex('copied tail')])}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'native' }));
    expect(head).toMatchObject({ ContentLength: 5 * MIB + 11, Metadata: { m: '1' } });
    const listed = await behind.send(new ListObjectsV2Command({ Bucket: 'back' }));
    expect(listed.Contents?.map((c) => c.Key).filter((k) => !k!.startsWith('.bucketkit-gateway/'))).toEqual([
      'native',
      'src',
    ]);
    expect(listed.Contents?.filter((c) => c.Key!.startsWith('.bucketkit-gateway/'))).toHaveLength(0);
  });

  it('lib-storage Upload of 12 MiB through the gateway downloads byte-exact', async () => {
    const data = pseudoRandomBytes(12 * MIB, 52);
    await new Upload({ client: s3, params: { Bucket, Key: 'lib', Body: data }, partSize: 5 * MIB }).done();
    const got = await (
      await s3.send(new GetObjectCommand({ Bucket, Key: 'lib' }))
    ).Body!.transformToByteArray();
    expect(md5Hex(got)).toBe(md5Hex(data));
    const pending = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'lib' }));
    expect(pending.Uploads ?? []).toEqual([]);
  });
});
