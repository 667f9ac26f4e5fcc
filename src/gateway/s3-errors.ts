import { BucketkitError, bkError, type ErrorCode } from '../errors.js';

/**
 * An S3 error as it goes on the wire.
 *
 * @example
 * ```ts
 * const reply: S3ErrorReply = { code: 'NoSuchKey', status: 404, message: 'The specified key does not exist.' };
 * ```
 */
export interface S3ErrorReply {
  code: string;
  status: number;
  message: string;
  key?: string;
  bucket?: string;
}

/** The bucketkit code an S3 error code is closest to, so callers in TypeScript can branch on it. */
const FAMILY: Record<string, ErrorCode> = {
  AccessDenied: 'AccessDenied',
  SignatureDoesNotMatch: 'AccessDenied',
  InvalidAccessKeyId: 'AccessDenied',
  NoSuchKey: 'NotFound',
  NoSuchUpload: 'NotFound',
  NoSuchBucket: 'BucketNotFound',
  PreconditionFailed: 'PreconditionFailed',
  InvalidRange: 'InvalidRange',
  NotImplemented: 'Unsupported',
  RequestTimeout: 'Timeout',
  InternalError: 'Backend',
  BadDigest: 'Corrupt',
  XAmzContentSHA256Mismatch: 'Corrupt',
};

/**
 * A `BucketkitError` that carries the S3 error code and status the gateway answers with.
 *
 * @example
 * ```ts
 * throw s3Error('BucketNotEmpty', 409, 'delete the objects first');
 * ```
 */
export function s3Error(
  s3Code: string,
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): BucketkitError {
  return bkError(FAMILY[s3Code] ?? 'InvalidArgument', message, { details: { ...details, s3Code, status } });
}

/** How plain bucketkit errors (from ports) look to an S3 client. */
const FROM_CODE: Partial<Record<ErrorCode, [string, number]>> = {
  NotFound: ['NoSuchKey', 404],
  BucketNotFound: ['NoSuchBucket', 404],
  PreconditionFailed: ['PreconditionFailed', 412],
  InvalidRange: ['InvalidRange', 416],
  InvalidKey: ['KeyTooLongError', 400],
  InvalidMetadata: ['InvalidArgument', 400],
  MetadataTooLarge: ['MetadataTooLarge', 400],
  InvalidArgument: ['InvalidArgument', 400],
  InvalidUrl: ['InvalidURI', 400],
  AccessDenied: ['AccessDenied', 403],
  Corrupt: ['BadDigest', 400],
  Unsupported: ['NotImplemented', 501],
  Aborted: ['RequestTimeout', 400],
  Timeout: ['RequestTimeout', 400],
  Backend: ['InternalError', 500],
};

/**
 * Turns any thrown value into the S3 error the client receives. Errors from outside bucketkit are
 * `InternalError` with a generic message: their text may hold paths or other internals.
 *
 * @example
 * ```ts
 * const reply = toS3Error(err); // { code: 'NoSuchKey', status: 404, message: '...' }
 * ```
 */
export function toS3Error(err: unknown): S3ErrorReply {
  if (!BucketkitError.is(err)) {
    return {
      code: 'InternalError',
      status: 500,
      message: 'We encountered an internal error. Please try again.',
    };
  }
  const { s3Code, status, key, bucket } = err.details;
  const message = err.message.replace(/^\w+: /, '');
  const where = {
    ...(typeof key === 'string' ? { key } : {}),
    ...(typeof bucket === 'string' ? { bucket } : {}),
  };
  if (typeof s3Code === 'string' && typeof status === 'number') {
    return { code: s3Code, status, message, ...where };
  }
  if (err.code === 'InvalidKey' && !/1024|bytes/.test(message)) {
    return { code: 'InvalidArgument', status: 400, message, ...where };
  }
  const [code, httpStatus] = FROM_CODE[err.code] ?? ['InternalError', 500];
  return { code, status: httpStatus, message, ...where };
}
