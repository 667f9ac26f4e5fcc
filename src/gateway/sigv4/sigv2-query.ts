/**
 * Signature Version 2 query-string authentication: the presigned URLs older clients still make
 * (`s3cmd signurl`, boto2): `?AWSAccessKeyId=…&Expires=<epoch s>&Signature=<base64 HMAC-SHA1>`.
 * Only GET and HEAD are accepted this way; everything else needs SigV4.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { percentDecode, type QueryParam } from './canonical.js';
import { MAX_PRESIGN_SECONDS } from './credential.js';
import type { RequestHead, RoutedResource, SigV4Options } from './index.js';
import { s3Error } from './s3-error.js';

/** Sub-resources that S3 signs as part of the resource (SigV2's CanonicalizedResource). */
const SUB_RESOURCES = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/**
 * True when the query carries SigV2 presigned parameters (and no SigV4 ones).
 *
 * @example
 * ```ts
 * if (isSigV2Query(parseQuery('AWSAccessKeyId=AK&Expires=1&Signature=x'))) verifySigV2Query(...);
 * ```
 */
export function isSigV2Query(params: readonly QueryParam[]): boolean {
  return params.some((p) => p.name === 'AWSAccessKeyId') && params.some((p) => p.name === 'Signature');
}

function param(params: readonly QueryParam[], name: string): string | undefined {
  return params.find((p) => p.name === name)?.value;
}

/** A header's value, list values joined, trimmed. */
export function header(headers: RequestHead['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

/** SigV2's CanonicalizedAmzHeaders: every x-amz-* header, sorted, whitespace folded. */
export function canonicalAmzHeaders(headers: RequestHead['headers']): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-amz-'))
    .sort()
    .map((name) => `${name}:${header(headers, name).replace(/\s+/g, ' ')}\n`)
    .join('');
}

/** SigV2's signed sub-resources of the query (`?acl`, `?uploadId=...`), sorted. */
export function subResources(params: readonly QueryParam[]): string {
  const signed = params
    .filter((p) => SUB_RESOURCES.has(p.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => (p.value === '' ? p.name : `${p.name}=${p.value}`));
  return signed.length === 0 ? '' : `?${signed.join('&')}`;
}

/** The query parameters that carry a SigV2 signature (never part of the signed text). */
const AUTH_PARAMS = new Set(['AWSAccessKeyId', 'Expires', 'Signature']);

/** Path style: the first segment names the bucket, the rest is the key as sent. */
export function pathStyle(path: string): RoutedResource {
  const slash = path.indexOf('/', 1);
  const bucket = percentDecode(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  return {
    bucket: bucket || undefined,
    key: rawKey ? percentDecode(rawKey) : undefined,
    rawKey: rawKey || undefined,
  };
}

/**
 * The resource spellings a client may have signed for the object the request was routed to: the key
 * as sent and decoded, under the routed bucket. Nothing else, whatever the Host or path say, so a
 * signature for one bucket or key never opens another.
 */
function signedResources(routed: RoutedResource): string[] {
  const { bucket, key, rawKey } = routed;
  if (bucket === undefined || key === undefined) {
    throw s3Error(
      'AccessDenied',
      'Signature Version 2 presigned URLs may only read one object (GET or HEAD); presign other requests with SigV4',
    );
  }
  return [...new Set([`/${bucket}/${rawKey ?? key}`, `/${bucket}/${key}`])];
}

/**
 * SigV2 leaves every parameter but its sub-resources out of the signature: any other parameter could
 * turn the signed read into another operation (a listing, a select), so it is refused.
 */
function assertAllSigned(params: readonly QueryParam[]): void {
  const unsigned = params.find((p) => !AUTH_PARAMS.has(p.name) && !SUB_RESOURCES.has(p.name));
  if (unsigned) {
    throw s3Error(
      'AccessDenied',
      `the query parameter "${unsigned.name.slice(0, 64)}" is not covered by a Signature Version 2 signature; presign with SigV4`,
    );
  }
}

/**
 * Verifies a SigV2 presigned GET/HEAD and returns the caller's access key id. Failures are S3 errors:
 * `AccessDenied` (expired, other methods), `InvalidAccessKeyId`, `SignatureDoesNotMatch`.
 *
 * @example
 * ```ts
 * const accessKeyId = verifySigV2Query(head, path, params, options);
 * ```
 */
export function verifySigV2Query(
  head: RequestHead,
  path: string,
  params: readonly QueryParam[],
  options: SigV4Options,
): string {
  if (head.method !== 'GET' && head.method !== 'HEAD') {
    throw s3Error(
      'AccessDenied',
      'Signature Version 2 presigned URLs are accepted for GET and HEAD only; use SigV4',
    );
  }
  const accessKeyId = param(params, 'AWSAccessKeyId') ?? '';
  const signature = param(params, 'Signature') ?? '';
  const expiresText = param(params, 'Expires') ?? '';
  if (!/^\d{1,12}$/.test(expiresText)) {
    throw s3Error('AuthorizationQueryParametersError', 'Expires must be a time in seconds since 1970');
  }
  const expires = Number(expiresText);
  const now = (options.now ?? Date.now)();
  if (now > expires * 1000) {
    throw s3Error('AccessDenied', 'Request has expired', {
      expires: new Date(expires * 1000).toISOString(),
      serverTime: new Date(now).toISOString(),
    });
  }
  if (expires * 1000 - now > MAX_PRESIGN_SECONDS * 1000) {
    throw s3Error('AuthorizationQueryParametersError', 'A presigned URL can be valid for 7 days at most');
  }
  const secret = options.secretFor(accessKeyId);
  if (secret === undefined) {
    throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      accessKeyId,
    });
  }
  const given = Buffer.from(signature, 'base64');
  const prefix = `${head.method}\n${header(head.headers, 'content-md5')}\n${header(head.headers, 'content-type')}\n${expiresText}\n${canonicalAmzHeaders(head.headers)}`;
  assertAllSigned(params);
  const tail = subResources(params);
  for (const resource of signedResources(head.routed ?? pathStyle(path))) {
    const expected = createHmac('sha1', secret).update(`${prefix}${resource}${tail}`).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return accessKeyId;
  }
  throw s3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { accessKeyId },
  );
}
