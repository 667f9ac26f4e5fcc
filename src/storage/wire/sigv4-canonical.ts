import { uriEscape } from './uri.js';

/** The SHA-256 of an empty payload: what GET, HEAD and LIST sign (valid on every S3 server). */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Static credentials, as the SDK's `credentials` option or the AWS environment variables give them. */
export interface LeanCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One request to sign. `path` is already URI-encoded (S3 signs it as sent, without re-encoding). */
export interface SignInput {
  method: string;
  path: string;
  /** Unencoded query parameters; they are encoded and sorted here. */
  query?: Record<string, string>;
  /** Header names in lowercase; every header given is signed. `host` must be among them. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

/** What both signers (node:crypto and Web Crypto) hash and sign, from one request. */
export interface Canonical {
  /** The encoded, sorted query string to send. */
  query: string;
  /** `<date>/<region>/<service>/aws4_request`. */
  scope: string;
  signedHeaders: string;
  /** The canonical request; its SHA-256 goes into the string to sign. */
  canonical: string;
  amzDate: string;
  /** `YYYYMMDD`: the derived signing key changes with it. */
  date: string;
}

/**
 * Adds `x-amz-date`, `x-amz-content-sha256` and `x-amz-security-token` (with a session token) to the
 * request's headers and builds the canonical request SigV4 hashes (AWS's "Create a signed AWS API
 * request"); the caller hashes it, signs and calls {@link authorization}.
 *
 * @example
 * ```ts
 * const c = canonicalRequest(input, { region: 'us-east-1', service: 's3' }, new Date());
 * ```
 */
export function canonicalRequest(
  input: SignInput,
  scope: { region: string; service: string; sessionToken?: string | undefined },
  now: Date,
): Canonical {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers = input.headers;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = input.payloadHash;
  if (scope.sessionToken) headers['x-amz-security-token'] = scope.sessionToken;
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  let canonicalHeaders = '';
  for (const name of names) {
    canonicalHeaders += `${name}:${String(lowered[name]).trim().replace(/\s+/g, ' ')}\n`;
  }
  const signedHeaders = names.join(';');
  const query = canonicalQuery(input.query);
  const canonical = `${input.method}\n${input.path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${input.payloadHash}`;
  return {
    query,
    scope: `${date}/${scope.region}/${scope.service}/aws4_request`,
    signedHeaders,
    canonical,
    amzDate,
    date,
  };
}

/**
 * The string to sign, from a canonical request and its hex SHA-256.
 *
 * @example
 * ```ts
 * const toSign = stringToSign(c, sha256Hex(c.canonical));
 * ```
 */
export function stringToSign(c: Canonical, canonicalHash: string): string {
  return `AWS4-HMAC-SHA256\n${c.amzDate}\n${c.scope}\n${canonicalHash}`;
}

/**
 * The `authorization` header value.
 *
 * @example
 * ```ts
 * headers.authorization = authorization(accessKeyId, c, signatureHex);
 * ```
 */
export function authorization(accessKeyId: string, c: Canonical, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${c.scope}, SignedHeaders=${c.signedHeaders}, Signature=${signature}`;
}

/** Query parameters encoded and sorted by name, as signed and as sent. */
export function canonicalQuery(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const pairs = Object.entries(query).map(([name, value]) => [uriEscape(name), uriEscape(value)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}
