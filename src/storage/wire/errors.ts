import { BucketkitError, bkError, type ErrorCode } from '../../errors.js';
import { childText, parseXml } from './xml.js';

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
  CredentialsProviderError: 'AccessDenied',
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

/** Where the failed call went: the operation, the bucket and key, and the endpoint it was sent to. */
export interface S3ErrorContext {
  key?: string;
  bucket: string;
  operation: string;
  /** The server's base URL, named in "cannot reach" messages (never with credentials). */
  endpoint?: string;
}

/**
 * Maps an `@aws-sdk/client-s3` error, a lean-path error or a Node/undici network error to the bucketkit
 * family: by S3 error code, then by HTTP status (some servers, Ceph among them, send error bodies with no
 * message); a refused, reset or unresolvable connection is `Unavailable`. The one place where errors
 * from S3 become bucketkit errors: every S3 path (SDK, lean, probe, multipart, listing) goes through it.
 *
 * @example
 * ```ts
 * try { await client.send(cmd); } catch (err) { throw fromS3Error(err, { key, bucket, operation: 'GetObject' }); }
 * ```
 */
export function fromS3Error(err: unknown, context: S3ErrorContext): BucketkitError {
  if (BucketkitError.is(err)) return err;
  const where =
    context.key === undefined
      ? `on bucket "${context.bucket}"`
      : `"${context.key}" in bucket "${context.bucket}"`;
  const details = {
    bucket: context.bucket,
    ...(context.key === undefined ? {} : { key: context.key }),
  };
  const network = networkCode(err);
  if (network !== undefined)
    return unreachable(err, network, `${context.operation} ${where}`, context, details);
  const sdk = (err ?? {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? sdk.Code ?? 'Error';
  if (name === 'AbortError') {
    return bkError('Aborted', 'the operation was aborted by its AbortSignal', {
      cause: trimmed(err, name, status),
    });
  }
  const code: ErrorCode = BY_NAME[name] ?? (status ? BY_STATUS[status] : undefined) ?? 'Backend';
  const said = sdk.message?.trim().replace(/\.+$/, '');
  const detail =
    said && said !== 'UnknownError' && said !== name && said !== String(status) ? `: ${said}` : '';
  const hint = HINTS[code] ?? '';
  const retryable = code === 'Backend' && (status === undefined || status >= 500 || status === 429);
  const answer = status && String(status) !== name ? `${name} ${status}` : name;
  return bkError(code, `${context.operation} ${where} failed (${answer})${detail}${hint}`, {
    cause: trimmed(err, name, status),
    details: { ...details, ...(status ? { status } : {}), retryable },
  });
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  AccessDenied: '. Check the access key, secret and the bucket policy',
  BucketNotFound: '. Create the bucket first or fix the bucket name in the connection string',
};

/** Node's and undici's codes for a connection that could not be made or broke: the server is out of reach. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EPROTO',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TLS_CODE = /^(ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/;

/** The network or TLS error code somewhere in `err` (its own, its cause's, an AggregateError's first). */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const { code, cause, errors, name } = err as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    name?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || TLS_CODE.test(code))) return code;
  if (name === 'TimeoutError' && (err as SdkError).$metadata?.httpStatusCode === undefined)
    return 'ETIMEDOUT';
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkCode(cause, depth + 1);
}

function unreachable(
  err: unknown,
  code: string,
  what: string,
  context: S3ErrorContext,
  details: Record<string, unknown>,
): BucketkitError {
  const server = context.endpoint ? `the S3 server at ${context.endpoint}` : 'the S3 server';
  const tls = TLS_CODE.test(code);
  const why = tls
    ? `its TLS certificate was refused (${code}); give the server a certificate this machine trusts (NODE_EXTRA_CA_CERTS) or use its right host name`
    : `cannot reach ${server} (${code}); check that it is running and that the host and port in the connection string are right`;
  return bkError('Unavailable', `${what} failed: ${why}`, {
    cause: err,
    details: {
      ...details,
      ...(context.endpoint ? { endpoint: context.endpoint } : {}),
      errno: code,
      retryable: !tls,
    },
  });
}

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

/** How the SDK names an error answer without a body (every HEAD error, Ceph's terse answers). */
const BODILESS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
};

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
  const name = code ?? (status === undefined ? 'UnknownError' : (BODILESS[status] ?? String(status)));
  return new LeanS3Error(name, message ?? name, status);
}
