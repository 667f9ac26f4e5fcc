import {
  authorization,
  canonicalRequest,
  type LeanCredentials,
  type SignInput,
  stringToSign,
} from './sigv4-canonical.js';

const encoder = new TextEncoder();

const hex = (bytes: ArrayBuffer) => {
  let out = '';
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, '0');
  return out;
};

async function hmac(key: Uint8Array<ArrayBuffer> | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return crypto.subtle.sign('HMAC', imported, encoder.encode(data));
}

/**
 * SigV4 header signing with Web Crypto, for runtimes without node:crypto (browsers): the same canonical
 * request as the Node signer (`LeanSigner`), so the same `authorization` for the same input and time.
 *
 * @example
 * ```ts
 * const signer = new WebSigner({ accessKeyId: 'AK', secretAccessKey: 'SK' }, 'us-east-1');
 * const headers: Record<string, string> = { host: 's3.example.com' };
 * const query = await signer.sign({ method: 'GET', path: '/bucket/key', headers, payloadHash: 'UNSIGNED-PAYLOAD' });
 * ```
 */
export class WebSigner {
  private keyDate = '';
  private key: Promise<ArrayBuffer> | undefined;

  constructor(
    private readonly credentials: LeanCredentials,
    private readonly region: string,
    private readonly service = 's3',
  ) {}

  async sign(input: SignInput, now: Date = new Date()): Promise<string> {
    const scope = { region: this.region, service: this.service, sessionToken: this.credentials.sessionToken };
    const c = canonicalRequest(input, scope, now);
    const canonicalHash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(c.canonical)));
    const signature = hex(await hmac(await this.signingKey(c.date), stringToSign(c, canonicalHash)));
    input.headers.authorization = authorization(this.credentials.accessKeyId, c, signature);
    return c.query;
  }

  /** The derived key changes once a day: cache it. */
  private signingKey(date: string): Promise<ArrayBuffer> {
    if (date !== this.keyDate || !this.key) {
      this.keyDate = date;
      this.key = (async () => {
        const dateKey = await hmac(encoder.encode(`AWS4${this.credentials.secretAccessKey}`), date);
        return hmac(await hmac(await hmac(dateKey, this.region), this.service), 'aws4_request');
      })();
    }
    return this.key;
  }
}
