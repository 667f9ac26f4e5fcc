/**
 * Server-side encryption for the gateway (SSE-S3, SSE-KMS with local keys, SSE-C): which requests may
 * carry encryption headers, and the port view that seals and opens objects for one request.
 */
import type { TLSSocket } from 'node:tls';
import { bucketEncryption } from '../bucket-settings.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { header } from '../http.js';
import { s3Error } from '../s3-errors.js';
import {
  copySourceKey,
  customerKey,
  hasEncryptionHeaders,
  type WriteEncryption,
  writeEncryption,
} from './request.js';
import { type SseScope, sseView } from './view.js';

export { assembledMetadata, assembleSealedParts } from './assembled.js';
export { loadEncryptionKeys } from './key-file.js';
export { type EncryptionOptions, type Keyring, keyring } from './keyring.js';
export { startUploadEncryption, type UploadEncryption, useUploadEncryption } from './multipart.js';
export { deleteSwept } from './plain-etag.js';
export type { SseScope };

const READS = new Set(['GET ', 'GET partNumber', 'HEAD ', 'HEAD partNumber']);
const PART_UPLOADS = new Set(['PUT partNumber&uploadId', 'PUT uploadId', 'PUT partNumber']);
/** Writes a bucket's default encryption applies to: PutObject, CopyObject, parts and their assembly. */
const DEFAULTED = new Set(['PUT ', 'POST uploads', 'POST uploadId', ...PART_UPLOADS]);

/**
 * What encryption one request may use, by its operation (`METHOD sub-resources`, object level or not).
 * Headers an operation does not implement are refused here, before anything is read or stored.
 *
 * @example
 * ```ts
 * ctx.sse = encryptionScope(ctx, 'PUT ', true);
 * ```
 */
export function encryptionScope(
  ctx: RequestContext,
  operation: string,
  object: boolean,
): SseScope | undefined {
  const headers = ctx.req.headers;
  const secure = (ctx.req.socket as TLSSocket).encrypted === true;
  const scope = (readKey: SseScope['readKey'], write: SseScope['write'], guardHead = false): SseScope => ({
    keyring: ctx.keyring,
    readKey,
    write,
    guardHead,
    res: ctx.res,
    secure,
    byDefault: DEFAULTED.has(operation) && object,
  });
  const copying = header(headers, 'x-amz-copy-source') !== '';
  if (!hasEncryptionHeaders(headers)) {
    return scope(undefined, undefined, object && operation.startsWith('HEAD'));
  }
  if (object && READS.has(operation)) {
    if (
      header(headers, 'x-amz-server-side-encryption') ||
      header(headers, 'x-amz-server-side-encryption-aws-kms-key-id')
    ) {
      throw s3Error(
        'InvalidArgument',
        400,
        'x-amz-server-side-encryption is not supported on GET or HEAD; send it with the PUT',
      );
    }
    return scope(customerKey(headers), undefined, operation.startsWith('HEAD'));
  }
  if (object && operation === 'PUT ') {
    const readKey = copying ? copySourceKey(headers) : refuseCopyKey(headers);
    return scope(readKey, writeEncryption(headers));
  }
  if (object && PART_UPLOADS.has(operation)) {
    // a part takes its upload's encryption (useUploadEncryption); only a customer key travels with it
    refuseServerKeys(headers, 'UploadPart');
    const key = customerKey(headers);
    const readKey = copying ? copySourceKey(headers) : refuseCopyKey(headers);
    return scope(readKey, key ? { mode: 'SSE-C', key } : undefined);
  }
  if (object && operation === 'POST uploads') return scope(undefined, writeEncryption(headers));
  if (object && (operation === 'POST uploadId' || operation === 'GET uploadId')) {
    // Complete may name the upload's customer key (then checked; needed with a checksum); ListParts too
    refuseServerKeys(headers, operation === 'GET uploadId' ? 'ListParts' : 'CompleteMultipartUpload');
    return scope(customerKey(headers), undefined);
  }
  throw s3Error('InvalidArgument', 400, 'server-side encryption headers do not apply to this operation');
}

function refuseServerKeys(headers: RequestContext['req']['headers'], operation: string): void {
  if (
    header(headers, 'x-amz-server-side-encryption') ||
    header(headers, 'x-amz-server-side-encryption-aws-kms-key-id')
  ) {
    throw s3Error(
      'InvalidArgument',
      400,
      `x-amz-server-side-encryption is not accepted on ${operation}: name it on CreateMultipartUpload`,
    );
  }
}

function refuseCopyKey(headers: RequestContext['req']['headers']): undefined {
  if (copySourceKey(headers)) {
    throw s3Error(
      'InvalidArgument',
      400,
      'x-amz-copy-source-server-side-encryption-customer-* headers need x-amz-copy-source',
    );
  }
  return undefined;
}

/**
 * The bucket as this request sees it: through its encryption scope when it has one.
 *
 * @example
 * ```ts
 * const bucket = withEncryption(ctx, await servedBucket(ctx.buckets, name));
 * ```
 */
export function withEncryption(ctx: RequestContext, bucket: ServedBucket): ServedBucket {
  const scope = ctx.sse;
  if (!scope) return bucket;
  const byDefault = scope.byDefault ? () => defaultEncryption(bucket, ctx.signal) : undefined;
  return { ...bucket, port: sseView(bucket.port, scope, byDefault) };
}

/** What a bucket's default encryption (PutBucketEncryption) asks of a write that names none. */
async function defaultEncryption(
  bucket: ServedBucket,
  signal: AbortSignal,
): Promise<WriteEncryption | undefined> {
  const config = await bucketEncryption(bucket, signal);
  if (!config) return undefined;
  if (config.algorithm === 'AES256') return { mode: 'AES256' };
  if (config.algorithm === 'aws:kms')
    return config.kmsKeyId ? { mode: 'aws:kms', keyId: config.kmsKeyId } : { mode: 'aws:kms' };
  throw s3Error(
    'NotImplemented',
    501,
    `the bucket's default encryption ${config.algorithm} is not implemented by the gateway`,
  );
}
