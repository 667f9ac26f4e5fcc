import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { MultipartApi } from '../contract/port.js';
import { assertValidKey, assertValidMetadata, normalizeEtag } from '../contract/validate.js';

type Fail = (err: unknown, key: string, operation: string) => never;

/**
 * S3 multipart uploads as a `MultipartApi`, one request per call.
 *
 * @example
 * ```ts
 * const mp = s3Multipart(client, 'bucket', fail);
 * const id = await mp.create('big.bin');
 * ```
 */
export function s3Multipart(client: S3Client, bucket: string, fail: Fail): MultipartApi {
  const abortable = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : undefined);
  return {
    async create(key, options = {}) {
      assertValidKey(key);
      assertValidMetadata(options.metadata);
      const out = await client
        .send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            Metadata: options.metadata ?? {},
            ...(options.contentType ? { ContentType: options.contentType } : {}),
          }),
          abortable(options.signal),
        )
        .catch((err) => fail(err, key, 'CreateMultipartUpload'));
      return out.UploadId ?? '';
    },
    async uploadPart(key, uploadId, partNumber, body, options = {}) {
      const out = await client
        .send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.byteLength,
          }),
          abortable(options.signal),
        )
        .catch((err) => fail(err, key, 'UploadPart'));
      return { partNumber, etag: normalizeEtag(out.ETag) };
    },
    async uploadPartCopy(key, uploadId, partNumber, source, options = {}) {
      const range = source.range ? `bytes=${source.range.start}-${source.range.end ?? ''}` : undefined;
      const out = await client
        .send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: `${bucket}/${source.key.split('/').map(encodeURIComponent).join('/')}`,
            ...(range ? { CopySourceRange: range } : {}),
          }),
          abortable(options.signal),
        )
        .catch((err) => fail(err, source.key, 'UploadPartCopy'));
      return { partNumber, etag: normalizeEtag(out.CopyPartResult?.ETag) };
    },
    async complete(key, uploadId, parts, options = {}) {
      const out = await client
        .send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
          }),
          abortable(options.signal),
        )
        .catch((err) => fail(err, key, 'CompleteMultipartUpload'));
      // Ceph answers with an empty ETag, and the response never carries the size: HEAD the object
      const head = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key }), abortable(options.signal))
        .catch((err) => fail(err, key, 'HeadObject'));
      return {
        etag: normalizeEtag(out.ETag) || normalizeEtag(head.ETag),
        size: Number(head.ContentLength ?? 0),
      };
    },
    async abort(key, uploadId, options = {}) {
      await client
        .send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
          abortable(options.signal),
        )
        .catch((err) => fail(err, key, 'AbortMultipartUpload'));
    },
  };
}
