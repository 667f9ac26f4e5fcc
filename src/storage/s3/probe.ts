import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { normalizeEtag } from '../contract/validate.js';

export interface ConditionalSupport {
  /** The server rejected every write that should have failed, and accepted the one that should not. */
  honoured: boolean;
  /** Whether If-Match wants the ETag in quotes (RFC 9110) or bare (Ceph RGW 16 accepts only bare). */
  quoteIfMatch: boolean;
  note?: string;
}

/**
 * Finds out, with real writes to a scratch key, whether an S3 server enforces `If-None-Match: *` and
 * `If-Match` on PutObject. Some servers (s3rver, older MinIO and Ceph builds) accept the headers and
 * ignore them: trusting them there would lose data, so the answer decides the port's capability.
 * Costs up to 6 requests, once per port.
 *
 * @example
 * ```ts
 * const { honoured } = await probeConditionalWrites(client, 'bucket');
 * ```
 */
export async function probeConditionalWrites(
  client: S3Client,
  bucket: string,
  prefix = '.bucketkit/probe-',
  signal?: AbortSignal,
): Promise<ConditionalSupport> {
  const key = `${prefix}${randomUUID()}`;
  const opts = signal ? { abortSignal: signal } : undefined;
  const put = async (headers: { IfNoneMatch?: string; IfMatch?: string }) => {
    try {
      const out = await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'probe', ...headers }),
        opts,
      );
      return { ok: true as const, etag: normalizeEtag(out.ETag) };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return { ok: false as const, status };
      if (status === 501 || status === 400) return { ok: false as const, status };
      throw err;
    }
  };
  const off = (note: string): ConditionalSupport => ({ honoured: false, quoteIfMatch: true, note });
  try {
    const first = await put({ IfNoneMatch: '*' });
    if (!first.ok) return off(`PutObject with If-None-Match: * on a new key was refused (${first.status})`);
    const second = await put({ IfNoneMatch: '*' });
    if (second.ok) return off('the server ignored If-None-Match: * (an existing key was overwritten)');
    const wrong = await put({ IfMatch: '"00000000000000000000000000000000"' });
    if (wrong.ok) return off('the server ignored If-Match (a write with a wrong ETag succeeded)');
    if ((await put({ IfMatch: `"${first.etag}"` })).ok) return { honoured: true, quoteIfMatch: true };
    if ((await put({ IfMatch: first.etag })).ok) {
      return { honoured: true, quoteIfMatch: false, note: 'If-Match works only with an unquoted ETag here' };
    }
    return off('If-Match with the current ETag was refused');
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), opts).catch(() => {});
  }
}

/**
 * Whether CompleteMultipartUpload enforces `If-None-Match: *` (AWS does; Ceph RGW 16 ignores it), found
 * with a real one-part upload onto an existing scratch key. Costs 5 requests, once per port, and only
 * when a conditional write is too large for one PutObject.
 *
 * @example
 * ```ts
 * if (!(await probeMultipartConditional(client, 'bucket'))) throw tooLarge();
 * ```
 */
export async function probeMultipartConditional(
  client: S3Client,
  bucket: string,
  prefix = '.bucketkit/probe-',
  signal?: AbortSignal,
): Promise<boolean> {
  const key = `${prefix}${randomUUID()}`;
  const opts = signal ? { abortSignal: signal } : undefined;
  let uploadId: string | undefined;
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'existing' }), opts);
    uploadId = (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), opts))
      .UploadId;
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'new' }),
      opts,
    );
    try {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
        opts,
      );
      uploadId = undefined;
      return false;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return true;
      throw err;
    }
  } finally {
    if (uploadId) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), opts)
        .catch(() => {});
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), opts).catch(() => {});
  }
}
