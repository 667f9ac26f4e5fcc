/** Hand-built, SigV4-signed HTTP requests for hostile-input tests (what no SDK would send). */
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { ACCESS_KEY, SECRET_KEY } from './support.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Path as sent on the wire (already %-encoded), e.g. `/bucket/a%20b`. */
  path: string;
  /** Raw query string without `?`, already encoded and sorted for signing. */
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  accessKey?: string;
  secret?: string;
  /** The x-amz-content-sha256 to sign (default: the body's real SHA-256). */
  payloadHash?: string;
  /** Change the request after signing (the tampering under test). */
  tamper?: (r: { headers: Record<string, string>; body: Uint8Array }) => void;
  /** Leave the request unsigned. */
  anonymous?: boolean;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Signs a request with SigV4 (header auth, region us-east-1) and sends it to `endpoint`.
 *
 * @example
 * ```ts
 * const res = await signedRequest(endpoint, { method: 'PUT', path: '/b/k', body: 'x' });
 * ```
 */
export function signedRequest(endpoint: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = typeof r.body === 'string' ? new TextEncoder().encode(r.body) : (r.body ?? new Uint8Array());
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': r.payloadHash ?? sha256(body),
    ...r.headers,
  };
  if (!r.anonymous) {
    const names = Object.keys(headers)
      .map((h) => h.toLowerCase())
      .sort();
    const canonicalHeaders = names.map((h) => `${h}:${headers[h]!.trim()}\n`).join('');
    const canonical = [
      r.method,
      r.path,
      r.query ?? '',
      canonicalHeaders,
      names.join(';'),
      headers['x-amz-content-sha256'],
    ].join('\n');
    const scope = `${day}/us-east-1/s3/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    let key = hmac(`AWS4${r.secret ?? SECRET_KEY}`, day);
    for (const part of ['us-east-1', 's3', 'aws4_request']) key = hmac(key, part);
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${r.accessKey ?? ACCESS_KEY}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  }
  const sent = { headers, body };
  r.tamper?.(sent);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path + (r.query ? `?${r.query}` : ''),
        headers: { ...sent.headers, 'content-length': String(sent.body.byteLength) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(sent.body);
  });
}

/** The `<Code>` of an S3 error document. */
export const errorCode = (res: RawResponse): string | undefined =>
  /<Code>([^<]*)<\/Code>/.exec(res.body)?.[1];
