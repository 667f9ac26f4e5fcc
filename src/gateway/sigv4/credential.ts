import type { QueryParam } from './canonical.js';
import { s3Error } from './s3-error.js';
import { ALGORITHM } from './signing.js';

/**
 * The longest validity a presigned URL may ask for: 7 days, in seconds.
 *
 * @example
 * ```ts
 * const expiresIn = Math.min(requested, MAX_PRESIGN_SECONDS);
 * ```
 */
export const MAX_PRESIGN_SECONDS = 604_800;

/** The signature claims of a request, from its Authorization header or its presigned query. */
export interface SignatureClaims {
  kind: 'header' | 'presigned';
  accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date of a presigned URL; header auth reads its date from the headers. */
  amzDate?: string;
  /** X-Amz-Expires of a presigned URL, seconds. */
  expires?: number;
  /** X-Amz-Content-Sha256 of a presigned URL, when it signed one. */
  payloadHash?: string;
}

type Failure = 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError';

function parseCredential(credential: string, failure: Failure) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    throw s3Error(
      failure,
      `the Credential "${credential.slice(0, 200)}" must be KEY/YYYYMMDD/region/s3/aws4_request`,
    );
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) throw s3Error(failure, `the Credential date "${date}" is not YYYYMMDD`);
  if (service !== 's3') throw s3Error(failure, `the Credential service "${service}" must be s3`);
  return { accessKeyId, date, region, service };
}

function parseSignedHeaders(value: string, failure: Failure): string[] {
  const names = value.split(';');
  if (names.some((n) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(n))) {
    throw s3Error(failure, 'SignedHeaders must be lower-case header names separated by ";"');
  }
  return names;
}

/**
 * Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
 *
 * @example
 * ```ts
 * parseAuthorization('AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'ab'.repeat(32));
 * ```
 */
export function parseAuthorization(header: string): SignatureClaims {
  // A client sends the same header but for its Signature on every request of a day: the rest is
  // parsed once. The key is the header without the signature's value.
  const at = header.indexOf('Signature=');
  const cacheable = at > 0 && ' ,'.includes(header[at - 1]!) && header.indexOf('Signature=', at + 1) < 0;
  const end = cacheable ? header.indexOf(',', at) : -1;
  const key = cacheable ? header.slice(0, at + 10) + (end < 0 ? '' : header.slice(end)) : undefined;
  const known = key === undefined ? undefined : parsedHeaders.get(key);
  if (known) {
    const signature = header.slice(at + 10, end < 0 ? undefined : end).trim();
    if (!SIGNATURE.test(signature)) {
      throw s3Error('AuthorizationHeaderMalformed', 'the Signature must be 64 lower-case hex digits');
    }
    return { ...known, signature };
  }
  const claims = parseAuthorizationFields(header);
  if (key !== undefined) {
    if (parsedHeaders.size >= MAX_PARSED) parsedHeaders.delete(parsedHeaders.keys().next().value as string);
    parsedHeaders.set(key, { ...claims, signature: '' });
  }
  return claims;
}

const SIGNATURE = /^[0-9a-f]{64}$/;
const MAX_PARSED = 256;
const parsedHeaders = new Map<string, SignatureClaims>();

function parseAuthorizationFields(header: string): SignatureClaims {
  const value = header.trim();
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    if (algorithm === 'AWS4-ECDSA-P256-SHA256') {
      throw s3Error('NotImplemented', 'SigV4a (ECDSA) signatures are not supported; sign with SigV4');
    }
    throw s3Error(
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw s3Error(
      'AuthorizationHeaderMalformed',
      'the Authorization header needs Credential, SignedHeaders and Signature',
    );
  }
  if (!SIGNATURE.test(signature)) {
    throw s3Error('AuthorizationHeaderMalformed', 'the Signature must be 64 lower-case hex digits');
  }
  return {
    kind: 'header',
    ...parseCredential(credential, 'AuthorizationHeaderMalformed'),
    signedHeaders: parseSignedHeaders(signedHeaders, 'AuthorizationHeaderMalformed'),
    signature,
  };
}

/** True when the query carries SigV4 presigning parameters. */
export function isPresigned(params: readonly QueryParam[]): boolean {
  return params.some(
    (p) => p.name === 'X-Amz-Signature' || p.name === 'X-Amz-Credential' || p.name === 'X-Amz-Algorithm',
  );
}

/**
 * Parses the `X-Amz-*` parameters of a presigned URL, enforcing an expiry of 1 s to 7 days.
 *
 * @example
 * ```ts
 * parsePresigned(parseQuery(new URL(url).search.slice(1)));
 * ```
 */
export function parsePresigned(params: readonly QueryParam[]): SignatureClaims {
  const get = (name: string): string | undefined => params.find((p) => p.name === name)?.value;
  const fail = (message: string) => s3Error('AuthorizationQueryParametersError', message);
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) throw fail('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expiresText = get('X-Amz-Expires');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (!credential || !amzDate || !expiresText || !signedHeaders || !signature) {
    throw fail(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
        'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (!/^-?\d{1,9}$/.test(expiresText)) throw fail('X-Amz-Expires should be a number of seconds');
  const expires = Number(expiresText);
  // S3 answers an expiry out of range with 403, not 400 (as the s3-tests conformance suite checks)
  if (expires < 1) throw s3Error('AccessDenied', 'X-Amz-Expires must be non-negative');
  if (expires > MAX_PRESIGN_SECONDS) {
    throw s3Error('AccessDenied', 'X-Amz-Expires must be less than a week (in seconds) that is; 604800');
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) throw fail('X-Amz-Signature must be 64 lower-case hex digits');
  const payloadHash = get('X-Amz-Content-Sha256');
  return {
    kind: 'presigned',
    ...parseCredential(credential, 'AuthorizationQueryParametersError'),
    signedHeaders: parseSignedHeaders(signedHeaders, 'AuthorizationQueryParametersError'),
    signature,
    amzDate,
    expires,
    ...(payloadHash === undefined ? {} : { payloadHash }),
  };
}
