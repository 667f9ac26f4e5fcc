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
  // stored bytes that fail their check are the server's fault, not the request's: 500, never a 400 that
  // tells the client to fix its upload
  Corrupt: ['InternalError', 500],
  Unsupported: ['NotImplemented', 501],
  Aborted: ['RequestTimeout', 400],
  Timeout: ['RequestTimeout', 400],
  Backend: ['InternalError', 500],
};

/**
 * What a client reads for an error a port raised: S3's own wording. A port's message is written for the
 * server's operator (it may name the folder, the upstream URL or a lock file), so it stays in the log.
 */
const PUBLIC_MESSAGES: Record<string, string> = {
  NoSuchKey: 'The specified key does not exist.',
  NoSuchBucket: 'The specified bucket does not exist',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  InvalidRange: 'The requested range is not satisfiable',
  KeyTooLongError: 'Your key is too long',
  MetadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  AccessDenied: 'Access Denied',
  BadDigest: 'The object failed an integrity check (Content-MD5 or stored checksum).',
  NotImplemented: 'This bucket’s storage does not implement the requested functionality.',
  RequestTimeout: 'The request was aborted or timed out before it completed; retry it.',
  InternalError: 'We encountered an internal error. Please try again.',
};

/** Codes whose port message is about the client's own input (a key, metadata): kept, with internals hidden. */
const INPUT_ERRORS = new Set<ErrorCode>(['InvalidKey', 'InvalidMetadata', 'InvalidArgument', 'InvalidUrl']);

// URLs (any scheme, file: included) and absolute paths (POSIX or Windows) after a space, quote or start
const INTERNALS =
  /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bfile:)[^\s"'<>]*|(?:^|(?<=[\s"'(=]))(?:\/|[A-Za-z]:\\)[^\s"'<>)]*/g;

/**
 * A message with every URL and absolute path replaced by `…`, so no answer shows the server's layout.
 *
 * @example
 * ```ts
 * scrubInternals('the lock /srv/data/a~ was already committed'); // 'the lock … was already committed'
 * ```
 */
export function scrubInternals(message: string): string {
  return message.replace(INTERNALS, '…');
}

/**
 * Turns any thrown value into the S3 error the client receives. Errors from outside bucketkit are
 * `InternalError` with a generic message; errors from ports get S3's wording for their code (input
 * errors keep their explanation with paths and URLs hidden), so no answer reveals paths or internals.
 *
 * @example
 * ```ts
 * const reply = toS3Error(err); // { code: 'NoSuchKey', status: 404, message: 'The specified key does not exist.' }
 * ```
 */
export function toS3Error(err: unknown): S3ErrorReply {
  if (!BucketkitError.is(err)) {
    return { code: 'InternalError', status: 500, message: PUBLIC_MESSAGES.InternalError! };
  }
  const { s3Code, status, key, bucket } = err.details;
  const message = scrubInternals(err.message.replace(/^\w+: /, ''));
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
  const shown = INPUT_ERRORS.has(err.code)
    ? message
    : (PUBLIC_MESSAGES[code] ?? PUBLIC_MESSAGES.InternalError!);
  return { code, status: httpStatus, message: shown, ...where };
}
