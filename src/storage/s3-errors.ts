import { BucketkitError, bkError, type ErrorCode } from '../errors.js';

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const BY_NAME: Record<string, ErrorCode> = {
  NoSuchKey: 'NotFound',
  NotFound: 'NotFound',
  NoSuchUpload: 'NotFound',
  NoSuchBucket: 'BucketNotFound',
  PreconditionFailed: 'PreconditionFailed',
  ConditionalRequestConflict: 'PreconditionFailed',
  InvalidRange: 'InvalidRange',
  AccessDenied: 'AccessDenied',
  InvalidAccessKeyId: 'AccessDenied',
  SignatureDoesNotMatch: 'AccessDenied',
  AbortError: 'Aborted',
  KeyTooLongError: 'InvalidKey',
  MetadataTooLarge: 'MetadataTooLarge',
  EntityTooLarge: 'InvalidArgument',
  InvalidPart: 'InvalidArgument',
  InvalidPartOrder: 'InvalidArgument',
};

const BY_STATUS: Record<number, ErrorCode> = {
  403: 'AccessDenied',
  404: 'NotFound',
  409: 'PreconditionFailed',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
};

/**
 * Maps an `@aws-sdk/client-s3` error to the bucketkit family, by S3 error code and then by HTTP status
 * (some servers, Ceph among them, send error bodies with no message).
 *
 * @example
 * ```ts
 * try { await client.send(cmd); } catch (err) { throw fromS3Error(err, { key, bucket }); }
 * ```
 */
export function fromS3Error(
  err: unknown,
  context: { key?: string; bucket: string; operation: string },
): BucketkitError {
  if (BucketkitError.is(err)) return err;
  const sdk = (err ?? {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? sdk.Code ?? 'Error';
  const code: ErrorCode = BY_NAME[name] ?? (status ? BY_STATUS[status] : undefined) ?? 'Backend';
  const where =
    context.key === undefined
      ? `bucket "${context.bucket}"`
      : `"${context.key}" in bucket "${context.bucket}"`;
  const detail = sdk.message && sdk.message !== 'UnknownError' ? `: ${sdk.message}` : '';
  const hint = HINTS[code] ?? '';
  const retryable = code === 'Backend' && (status === undefined || status >= 500 || status === 429);
  return bkError(
    code,
    `${context.operation} ${where} failed (${name}${status ? ` ${status}` : ''})${detail}${hint}`,
    {
      cause: trimmed(err, name, status),
      details: {
        bucket: context.bucket,
        ...(context.key === undefined ? {} : { key: context.key }),
        ...(status ? { status } : {}),
        retryable,
      },
    },
  );
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  AccessDenied: '. Check the access key, secret and the bucket policy',
  BucketNotFound: '. Create the bucket first or fix the bucket name in the connection string',
};

/** The SDK error without its raw HTTP response, which would drag sockets and buffers into every log line. */
function trimmed(err: unknown, name: string, status: number | undefined): unknown {
  if (!(err instanceof Error)) return err;
  const copy = new Error(err.message);
  copy.name = name;
  copy.stack = err.stack ?? '';
  Object.assign(copy, { $metadata: (err as SdkError).$metadata, ...(status ? { status } : {}) });
  return copy;
}
