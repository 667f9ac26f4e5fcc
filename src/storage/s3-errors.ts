import { BucketkitError, bkError, type ErrorCode } from '../errors.js';
import { childText, parseXml } from './s3-lean-xml.js';

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

/** The error the lean path throws for an S3 error answer: shaped like the SDK's, for `fromS3Error`. */
export class LeanS3Error extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(name: string, message: string, status: number | undefined) {
    super(message);
    this.name = name;
    this.$metadata = status === undefined ? {} : { httpStatusCode: status };
  }
}

/**
 * Parses an S3 error body leniently: what cannot be read as `<Error>` XML leaves only the status.
 *
 * @example
 * ```ts
 * errorFromBody(404, '<Error><Code>NoSuchKey</Code></Error>').name; // 'NoSuchKey'
 * ```
 */
export function errorFromBody(status: number | undefined, text: string): LeanS3Error {
  let code: string | undefined;
  let message: string | undefined;
  if (text.trim() !== '') {
    try {
      const root = parseXml(text);
      if (root.name === 'Error') {
        code = childText(root, 'Code') || undefined;
        message = childText(root, 'Message') || undefined;
      }
    } catch {
      // not XML (a proxy's HTML page, a truncated body): the status still tells what happened
    }
  }
  const name = code ?? (status === 404 ? 'NotFound' : String(status ?? 'UnknownError'));
  return new LeanS3Error(name, message ?? name, status);
}
