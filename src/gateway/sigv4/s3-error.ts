import { type BucketkitError, bkError, type ErrorCode } from '../../errors.js';

/**
 * The S3 error codes this module answers with, each with its HTTP status.
 *
 * @example
 * ```ts
 * S3_ERRORS.SignatureDoesNotMatch; // 403
 * ```
 */
export const S3_ERRORS = {
  AccessDenied: 403,
  SignatureDoesNotMatch: 403,
  InvalidAccessKeyId: 403,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  XAmzContentSHA256Mismatch: 400,
  BadDigest: 400,
  InvalidDigest: 400,
  IncompleteBody: 400,
  InvalidChunkSizeError: 400,
  InvalidRequest: 400,
  InvalidArgument: 400,
  NotImplemented: 501,
} as const;

/**
 * An S3 error code this module can answer with.
 *
 * @example
 * ```ts
 * const code: S3ErrorCode = 'BadDigest';
 * ```
 */
export type S3ErrorCode = keyof typeof S3_ERRORS;

const NEAREST: Record<S3ErrorCode, ErrorCode> = {
  AccessDenied: 'AccessDenied',
  SignatureDoesNotMatch: 'AccessDenied',
  InvalidAccessKeyId: 'AccessDenied',
  RequestTimeTooSkewed: 'AccessDenied',
  AuthorizationHeaderMalformed: 'InvalidArgument',
  AuthorizationQueryParametersError: 'InvalidArgument',
  XAmzContentSHA256Mismatch: 'Corrupt',
  BadDigest: 'Corrupt',
  InvalidDigest: 'InvalidArgument',
  IncompleteBody: 'InvalidArgument',
  InvalidChunkSizeError: 'InvalidArgument',
  InvalidRequest: 'InvalidArgument',
  InvalidArgument: 'InvalidArgument',
  NotImplemented: 'Unsupported',
};

/**
 * Builds the `BucketkitError` for an S3 failure: the nearest bucketkit code, and in `details` the exact
 * `s3Code` and `status` the gateway answers with.
 *
 * @example
 * ```ts
 * throw s3Error('SignatureDoesNotMatch', 'the signature does not match; check the secret key');
 * ```
 */
export function s3Error(
  s3Code: S3ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
  cause?: unknown,
): BucketkitError {
  return bkError(NEAREST[s3Code], message, {
    details: { ...extra, s3Code, status: S3_ERRORS[s3Code] },
    ...(cause === undefined ? {} : { cause }),
  });
}
