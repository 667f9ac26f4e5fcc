/**
 * Signature Version 2 header authentication (`Authorization: AWS <key>:<base64 HMAC-SHA1>`), for old
 * clients, accepted only when the server enables it. The string to sign is S3's: method, Content-MD5,
 * Content-Type, Date (empty when x-amz-date is sent), the x-amz-* headers, and the resource with its
 * sub-resources. A bad or skewed date and a wrong signature are 403s, as S3 answers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { QueryParam } from './canonical.js';
import type { RequestHead, RoutedResource, SigV4Options } from './index.js';
import { s3Error } from './s3-error.js';
import { canonicalAmzHeaders, header, pathStyle, subResources } from './sigv2-query.js';

const DEFAULT_SKEW_MS = 15 * 60 * 1000;

/** The resource spellings a client may have signed for where the request was routed. */
function resources(routed: RoutedResource): string[] {
  const { bucket, key, rawKey } = routed;
  if (bucket === undefined) return ['/'];
  if (key === undefined) return [`/${bucket}/`, `/${bucket}`];
  return [...new Set([`/${bucket}/${rawKey ?? key}`, `/${bucket}/${key}`])];
}

/**
 * Verifies a SigV2 Authorization header and returns the caller's access key id.
 *
 * @example
 * ```ts
 * const accessKeyId = verifySigV2Header(head, path, params, authorization, options);
 * ```
 */
export function verifySigV2Header(
  head: RequestHead,
  path: string,
  params: readonly QueryParam[],
  authorization: string,
  options: SigV4Options,
): string {
  const match = /^AWS ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!match) {
    throw s3Error(
      'AccessDenied',
      'a Signature Version 2 Authorization header reads "AWS <access key>:<signature>"',
    );
  }
  const [, accessKeyId, signature] = match as unknown as [string, string, string];
  const headers = head.headers;
  const amzDate = header(headers, 'x-amz-date');
  const date = header(headers, 'date');
  const time = Date.parse(amzDate || date);
  if (Number.isNaN(time)) {
    throw s3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const now = (options.now ?? Date.now)();
  const skew = options.clockSkewMs ?? DEFAULT_SKEW_MS;
  if (Math.abs(now - time) > skew) {
    throw s3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        requestTime: new Date(time).toISOString(),
        serverTime: new Date(now).toISOString(),
      },
    );
  }
  const secret = options.secretFor(accessKeyId);
  if (secret === undefined) {
    throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      accessKeyId,
    });
  }
  const prefix = `${head.method}\n${header(headers, 'content-md5')}\n${header(headers, 'content-type')}\n${amzDate ? '' : date}\n${canonicalAmzHeaders(headers)}`;
  const tail = subResources(params);
  const given = Buffer.from(signature, 'base64');
  for (const resource of resources(head.routed ?? pathStyle(path))) {
    const expected = createHmac('sha1', secret).update(`${prefix}${resource}${tail}`).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return accessKeyId;
  }
  throw s3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { accessKeyId },
  );
}
