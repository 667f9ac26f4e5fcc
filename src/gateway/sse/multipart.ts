/**
 * Encrypted multipart uploads: CreateMultipartUpload names the encryption (SSE-S3, SSE-KMS with a key
 * id, or a customer key), the upload record keeps it, every part is sealed as it arrives and
 * CompleteMultipartUpload opens the parts and seals the object under one data key.
 */
import { importWrappingKey, newDataKey, unwrapKey, wrapKey } from '../../storage/index.js';
import type { RequestContext } from '../context.js';
import { s3Error } from '../s3-errors.js';
import type { SseScope } from './view.js';

/** What an upload record keeps of its encryption; a customer key only as a value wrapped by it. */
export type UploadEncryption =
  | { mode: 'AES256' }
  | { mode: 'aws:kms'; keyId?: string }
  | { mode: 'SSE-C'; check: string };

const CHECK_CONTEXT = 'bucketkit multipart customer key';

const mismatch = (message: string) => s3Error('InvalidRequest', 400, message);

/**
 * The encryption a CreateMultipartUpload asks for, checked now (keys configured, TLS for customer
 * keys) so that no part is accepted for an upload that cannot complete; answers the SSE headers.
 *
 * @example
 * ```ts
 * const sse = await startUploadEncryption(ctx); // { mode: 'AES256' }
 * ```
 */
export async function startUploadEncryption(ctx: RequestContext): Promise<UploadEncryption | undefined> {
  const scope = ctx.sse;
  const write = scope?.write;
  if (!scope || !write) return undefined;
  const res = ctx.res;
  if (write.mode === 'SSE-C') {
    assertSecure(scope);
    const check = await wrapKey(await importWrappingKey(write.key.raw), newDataKey(), CHECK_CONTEXT);
    res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    res.setHeader('x-amz-server-side-encryption-customer-key-md5', write.key.md5);
    return { mode: 'SSE-C', check };
  }
  const id = write.mode === 'aws:kms' && write.keyId ? kmsKeyId(write.keyId) : scope.keyring.active();
  if (!scope.keyring.has(id)) {
    throw s3Error('KMS.NotFoundException', 400, `Invalid keyId ${id}: the gateway has no such key`);
  }
  res.setHeader('x-amz-server-side-encryption', write.mode);
  if (write.mode === 'aws:kms') {
    res.setHeader('x-amz-server-side-encryption-aws-kms-key-id', id);
    return { mode: 'aws:kms', keyId: id };
  }
  return { mode: 'AES256' };
}

/**
 * Makes this UploadPart or CompleteMultipartUpload seal with its upload's encryption: a part of an
 * SSE-C upload must carry the key the upload was started with; a part of another upload must not
 * carry one. Complete may leave the customer key out, as S3 allows: it then answers `'assemble'`
 * (join the sealed parts as they lie, sse/assembled.ts); a key it sends must be the upload's.
 *
 * @example
 * ```ts
 * await useUploadEncryption(ctx, record.sse, 'part');
 * ```
 */
export async function useUploadEncryption(
  ctx: RequestContext,
  recorded: UploadEncryption | undefined,
  phase: 'part' | 'complete',
): Promise<'assemble' | undefined> {
  const scope = ctx.sse;
  if (!scope) return undefined;
  const sent =
    phase === 'part' ? scope.write : scope.readKey && { mode: 'SSE-C' as const, key: scope.readKey };
  if (recorded?.mode !== 'SSE-C') {
    if (sent?.mode === 'SSE-C') {
      throw mismatch(
        'The multipart upload was not started with a customer key: leave the x-amz-server-side-encryption-customer-* headers out',
      );
    }
    if (recorded) scope.write = recorded;
    return undefined;
  }
  if (sent?.mode !== 'SSE-C') {
    if (phase === 'complete') {
      // the object is assembled from the sealed parts; nothing of it is written through the view's sealing
      scope.write = undefined;
      scope.preSealed = true;
      return 'assemble';
    }
    throw mismatch(
      'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
    );
  }
  assertSecure(scope);
  if (!(await unwrapKey(await importWrappingKey(sent.key.raw), recorded.check, CHECK_CONTEXT))) {
    throw s3Error(
      'AccessDenied',
      403,
      'Access Denied: the customer key is not the key the multipart upload was started with',
    );
  }
  // Complete reads the parts with the key; a part copy reads its source with the copy-source key
  if (phase === 'complete') scope.readKey = sent.key;
  scope.write = sent;
  return undefined;
}

function assertSecure(scope: SseScope): void {
  if (!scope.secure && !scope.keyring.customerKeysOverHttp) {
    throw s3Error(
      'InvalidRequest',
      400,
      'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.',
    );
  }
}

/** The SSE-KMS key id of a request: a bare id, or the id inside a key ARN. */
export function kmsKeyId(value: string): string {
  const marker = value.indexOf(':key/');
  return marker >= 0 ? value.slice(marker + ':key/'.length) : value;
}
