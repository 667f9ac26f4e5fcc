/**
 * Signature Version 2 query-string authentication: the presigned URLs older clients still make
 * (`s3cmd signurl`, boto2): `?AWSAccessKeyId=…&Expires=<epoch s>&Signature=<base64 HMAC-SHA1>`.
 * Only GET and HEAD are accepted this way; everything else needs SigV4.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { QueryParam } from './canonical.js';
import { MAX_PRESIGN_SECONDS } from './credential.js';
import type { RequestHead, SigV4Options } from './index.js';
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

function header(headers: RequestHead['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

function canonicalAmzHeaders(headers: RequestHead['headers']): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-amz-'))
    .sort()
    .map((name) => `${name}:${header(headers, name).replace(/\s+/g, ' ')}\n`)
    .join('');
}

function subResources(params: readonly QueryParam[]): string {
  const signed = params
    .filter((p) => SUB_RESOURCES.has(p.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => (p.value === '' ? p.name : `${p.name}=${p.value}`));
  return signed.length === 0 ? '' : `?${signed.join('&')}`;
}

/** The resource spellings a client may have signed: the path as sent, decoded, and with a virtual-host bucket. */
function resources(path: string, host: string): string[] {
  const decoded = (() => {
    try {
      return decodeURIComponent(path);
    } catch {
      return path;
    }
  })();
  const out = new Set([path, decoded]);
  const bucket = host.split(':')[0]?.split('.')[0];
  if (bucket && host.includes('.')) {
    out.add(`/${bucket}${path}`);
    out.add(`/${bucket}${decoded}`);
  }
  return [...out];
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
  const tail = subResources(params);
  for (const resource of resources(path, header(head.headers, 'host'))) {
    const expected = createHmac('sha1', secret).update(`${prefix}${resource}${tail}`).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return accessKeyId;
  }
  throw s3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { accessKeyId },
  );
}
