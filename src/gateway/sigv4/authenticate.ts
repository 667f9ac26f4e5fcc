import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUris,
  parseQuery,
  type QueryParam,
  splitTarget,
} from './canonical.js';
import { isPresigned, parseAuthorization, parsePresigned, type SignatureClaims } from './credential.js';
import type { Authenticated, RequestHead, SigV4Options } from './index.js';
import { createPayload, planBody } from './payload.js';
import { s3Error } from './s3-error.js';
import { hmacHex, requestStringToSign, type SigningContext, sameSignature, signingKey } from './signing.js';
import { verifySigV2Header } from './sigv2-header.js';
import { isSigV2Query, verifySigV2Query } from './sigv2-query.js';

const DEFAULT_SKEW_MS = 15 * 60 * 1000;
const SERVICE = 's3';

type Headers = RequestHead['headers'];

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

// requests of the same second carry the same date: remember the last one parsed
let lastAmzDate: { text: string; ms: number | undefined } = { text: '', ms: undefined };

function parseAmzDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === lastAmzDate.text) return lastAmzDate.ms;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const valid = new Date(ms).getUTCDate() === d ? ms : undefined;
  lastAmzDate = { text: value, ms: valid };
  return valid;
}

function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The request time of header auth: x-amz-date, else the Date header. */
function headerTime(headers: Headers): { amzDate: string; time: number } {
  const amz = single(headers, 'x-amz-date');
  const time = amz !== undefined ? parseAmzDate(amz) : Date.parse(single(headers, 'date') ?? '');
  if (time === undefined || Number.isNaN(time)) {
    throw s3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  return { amzDate: amz ?? toAmzDate(time), time };
}

// Headers a client may add after signing without changing what the request does.
const UNSIGNED_OK = new Set(['x-amz-user-agent']);
const UNSIGNED_OK_PRESIGNED = /^x-amz-(checksum-|sdk-checksum-algorithm$|content-sha256$)/;

function checkSignedHeaders(claims: SignatureClaims, headers: Headers): void {
  const signed = new Set(claims.signedHeaders);
  if (!signed.has('host')) {
    throw s3Error(
      claims.kind === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError',
      'the host header must be signed',
    );
  }
  const notSigned = Object.keys(headers).filter(
    (name) =>
      name.startsWith('x-amz-') &&
      !signed.has(name) &&
      !UNSIGNED_OK.has(name) &&
      !(claims.kind === 'presigned' && UNSIGNED_OK_PRESIGNED.test(name)),
  );
  if (notSigned.length > 0) {
    throw s3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      headersNotSigned: notSigned.join(', '),
    });
  }
}

/** SigV2's query auth parameters; every `X-Amz-*` parameter counts as an auth parameter too. */
const V2_AUTH_PARAMS = new Set(['awsaccesskeyid', 'signature', 'expires']);

/**
 * Refuses a query that names an auth parameter twice (in any letter case): the signature check and the
 * code after it could otherwise read different copies, e.g. a valid signature followed by `&X-Amz-Signature=00`.
 */
function assertSingleAuthParams(params: readonly QueryParam[]): void {
  const seen = new Set<string>();
  for (const { name } of params) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-amz-') && !V2_AUTH_PARAMS.has(lower)) continue;
    if (seen.has(lower)) {
      throw s3Error(
        'AuthorizationQueryParametersError',
        `the query names ${name.slice(0, 64)} more than once`,
      );
    }
    seen.add(lower);
  }
}

/**
 * Verifies a request's SigV4 signature (Authorization header or presigned query) and returns who sent
 * it and how to read its body. See {@link SigV4Options} and {@link Authenticated}. Every failure is a
 * `BucketkitError` whose `details.s3Code` and `details.status` are the S3 error to answer with.
 *
 * @example
 * ```ts
 * try {
 *   const auth = await authenticate({ method: req.method!, url: req.url!, headers: req.headers }, options);
 *   await port.put(key, auth.payload(req));
 * } catch (err) {
 *   if (BucketkitError.is(err)) return sendS3Error(res, err.details.s3Code, err.details.status);
 *   throw err;
 * }
 * ```
 */
export async function authenticate(head: RequestHead, options: SigV4Options): Promise<Authenticated> {
  const { headers } = head;
  const { path, query } = splitTarget(head.url);
  const params = parseQuery(query);
  assertSingleAuthParams(params);
  const authorization = single(headers, 'authorization');
  const presigned = isPresigned(params);
  // CompleteMultipartUpload's x-amz-checksum-* is the whole object's checksum, not its XML body's
  const checksumHeadersAreForBody = !(head.method === 'POST' && params.some((p) => p.name === 'uploadId'));

  if (authorization !== undefined && presigned) {
    throw s3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; use either the X-Amz-* query parameters or the Authorization header',
    );
  }
  if (authorization?.startsWith('AWS ')) {
    if (!options.signatureV2) {
      throw s3Error(
        'InvalidRequest',
        'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
      );
    }
    const accessKeyId = verifySigV2Header(head, path, params, authorization, options);
    const plan = planBody(headers, single(headers, 'x-amz-content-sha256'), undefined, {
      checksumHeadersAreForBody,
    });
    return { accessKeyId, decodedLength: plan.decodedLength, ...createPayload(plan) };
  }
  if (authorization === undefined && !presigned && isSigV2Query(params)) {
    const accessKeyId = verifySigV2Query(head, path, params, options);
    const plan = planBody(headers, single(headers, 'x-amz-content-sha256'), undefined, {
      checksumHeadersAreForBody,
    });
    return { accessKeyId, decodedLength: plan.decodedLength, ...createPayload(plan) };
  }
  if (authorization === undefined && !presigned) {
    if (!options.allowAnonymous) {
      throw s3Error(
        'AccessDenied',
        'Anonymous requests are not allowed; sign the request with an access key',
      );
    }
    const plan = planBody(headers, single(headers, 'x-amz-content-sha256'), undefined, {
      checksumHeadersAreForBody,
    });
    return { accessKeyId: undefined, decodedLength: plan.decodedLength, ...createPayload(plan) };
  }

  const claims = authorization !== undefined ? parseAuthorization(authorization) : parsePresigned(params);
  const malformed =
    claims.kind === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError';
  if (claims.region !== options.region) {
    throw s3Error(malformed, `the region '${claims.region}' is wrong; expecting '${options.region}'`, {
      region: options.region,
    });
  }
  const secret = options.secretFor(claims.accessKeyId);
  if (secret === undefined) {
    throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      accessKeyId: claims.accessKeyId,
    });
  }

  const now = (options.now ?? Date.now)();
  const skew = options.clockSkewMs ?? DEFAULT_SKEW_MS;
  let amzDate: string;
  if (claims.kind === 'header') {
    const at = headerTime(headers);
    amzDate = at.amzDate;
    if (Math.abs(now - at.time) > skew) {
      throw s3Error(
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          requestTime: new Date(at.time).toISOString(),
          serverTime: new Date(now).toISOString(),
          maxAllowedSkewMilliseconds: skew,
        },
      );
    }
  } else {
    amzDate = claims.amzDate ?? '';
    const time = parseAmzDate(amzDate);
    if (time === undefined) {
      throw s3Error(malformed, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    if (time - now > skew) throw s3Error('AccessDenied', 'Request is not valid yet');
    if (now > time + (claims.expires ?? 0) * 1000) {
      throw s3Error('AccessDenied', 'Request has expired', {
        expires: new Date(time + (claims.expires ?? 0) * 1000).toISOString(),
        serverTime: new Date(now).toISOString(),
      });
    }
  }
  if (amzDate.slice(0, 8) !== claims.date) {
    throw s3Error(malformed, 'Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  checkSignedHeaders(claims, headers);

  const payloadHash =
    claims.kind === 'header'
      ? single(headers, 'x-amz-content-sha256')
      : (claims.payloadHash ?? 'UNSIGNED-PAYLOAD');
  if (payloadHash === undefined) {
    throw s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const scope = `${claims.date}/${claims.region}/${SERVICE}/aws4_request`;
  const key = signingKey(secret, claims.date, claims.region, SERVICE);
  const signedHeaders = claims.signedHeaders;
  const headerBlock = canonicalHeaders(headers, signedHeaders);
  const canonicalQs = canonicalQuery(params, claims.kind === 'presigned' ? 'X-Amz-Signature' : undefined);
  let first: { canonical: string; stringToSign: string } | undefined;
  let matched = false;
  for (const uri of canonicalUris(path)) {
    const canonical = canonicalRequest({
      method: head.method,
      uri,
      query: canonicalQs,
      headers: headerBlock,
      signedHeaders,
      payloadHash,
    });
    const stringToSign = requestStringToSign(amzDate, scope, canonical);
    first ??= { canonical, stringToSign };
    if (sameSignature(hmacHex(key, stringToSign), claims.signature)) {
      matched = true;
      break;
    }
  }
  if (!matched) {
    throw s3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        accessKeyId: claims.accessKeyId,
        stringToSign: first?.stringToSign,
        canonicalRequest: first?.canonical,
      },
    );
  }

  const signing: SigningContext = { key, amzDate, scope, seed: claims.signature };
  const plan = planBody(headers, payloadHash, signing, { checksumHeadersAreForBody });
  return { accessKeyId: claims.accessKeyId, decodedLength: plan.decodedLength, ...createPayload(plan) };
}
