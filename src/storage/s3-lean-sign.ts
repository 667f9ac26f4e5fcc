import { createHmac, hash } from 'node:crypto';
import { escapeKey, uriEscape } from './uri.js';

export { escapeKey, uriEscape };

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

/**
 * SigV4 header signing for S3 (the rules of AWS's "Create a signed AWS API request"): adds
 * `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (with a session token) and
 * `authorization` to the headers and returns the encoded query string to send.
 *
 * @example
 * ```ts
 * const signer = new LeanSigner({ accessKeyId: 'AK', secretAccessKey: 'SK' }, 'us-east-1');
 * const headers: Record<string, string> = { host: 's3.us-east-1.amazonaws.com' };
 * const query = signer.sign({ method: 'GET', path: '/bucket/key', headers, payloadHash: EMPTY_SHA256 });
 * ```
 */
export class LeanSigner {
  private keyDate = '';
  private key: Buffer = Buffer.alloc(0);
  private readonly scopeTail: string;

  constructor(
    private readonly credentials: LeanCredentials,
    private readonly region: string,
    private readonly service = 's3',
  ) {
    this.scopeTail = `/${region}/${service}/aws4_request`;
  }

  sign(input: SignInput, now: Date = new Date()): string {
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const headers = input.headers;
    headers['x-amz-date'] = amzDate;
    headers['x-amz-content-sha256'] = input.payloadHash;
    if (this.credentials.sessionToken) headers['x-amz-security-token'] = this.credentials.sessionToken;
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
    const scope = `${date}${this.scopeTail}`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', this.signingKey(date)).update(toSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return query;
  }

  /** The derived key changes once a day: cache it. */
  private signingKey(date: string): Buffer {
    if (date !== this.keyDate) {
      const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
      const dateKey = hmac(`AWS4${this.credentials.secretAccessKey}`, date);
      this.key = hmac(hmac(hmac(dateKey, this.region), this.service), 'aws4_request');
      this.keyDate = date;
    }
    return this.key;
  }
}

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** Query parameters encoded and sorted by name, as signed and as sent. */
export function canonicalQuery(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const pairs = Object.entries(query).map(([name, value]) => [uriEscape(name), uriEscape(value)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}
