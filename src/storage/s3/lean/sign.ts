import { createHmac, hash } from 'node:crypto';
import {
  authorization,
  canonicalQuery,
  canonicalRequest,
  EMPTY_SHA256,
  type LeanCredentials,
  type SignInput,
  stringToSign,
} from '../../wire/sigv4-canonical.js';
import { escapeKey, uriEscape } from '../../wire/uri.js';

export { canonicalQuery, EMPTY_SHA256, escapeKey, type LeanCredentials, type SignInput, uriEscape };

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
  private readonly scope: { region: string; service: string };

  constructor(
    private readonly credentials: LeanCredentials,
    private readonly region: string,
    private readonly service = 's3',
  ) {
    this.scope = { region, service };
  }

  sign(input: SignInput, now: Date = new Date()): string {
    const c = canonicalRequest(input, { ...this.scope, sessionToken: this.credentials.sessionToken }, now);
    const signature = createHmac('sha256', this.signingKey(c.date))
      .update(stringToSign(c, sha256Hex(c.canonical)))
      .digest('hex');
    input.headers.authorization = authorization(this.credentials.accessKeyId, c, signature);
    return c.query;
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
