import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Recorded } from './support.js';
import { ACCESS_KEY, REGION, SECRET } from './support.js';

const EMPTY = createHash('sha256').digest('hex');

/** Splits `body` into chunks of the given sizes (cycled), the last one whatever remains. */
export function split(body: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? body.length);
    out.push(body.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Test-only aws-chunked encoder without signatures (STREAMING-UNSIGNED-PAYLOAD-TRAILER framing). */
export function encodeUnsigned(
  chunks: readonly Uint8Array[],
  trailers: ReadonlyArray<[string, string]> = [],
): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), Buffer.from(chunk), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n'));
  for (const [name, value] of trailers) parts.push(Buffer.from(`${name}:${value}\r\n`));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      typeof secret === 'string' || secret === undefined
        ? secret
        : ArrayBuffer.isView(secret)
          ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
          : Buffer.from(secret);
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] upload: the head is signed by the AWS SDK's own
 * signer (`@smithy/signature-v4`), and each chunk's string-to-sign is signed by that signer too.
 */
export async function signedStreamingRequest(
  body: Uint8Array,
  options: {
    chunkSize: number;
    now: number;
    trailer?: [string, string];
    decodedLength?: number;
    secret?: string;
  },
): Promise<Recorded> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: options.secret ?? SECRET },
    region: REGION,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signingDate = new Date(options.now);
  const mode = options.trailer
    ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
    : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const headers: Record<string, string> = {
    host: '127.0.0.1:9000',
    'x-amz-content-sha256': mode,
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(options.decodedLength ?? body.length),
    ...(options.trailer ? { 'x-amz-trailer': options.trailer[0] } : {}),
  };
  const path = '/b/streamed%20key';
  const signed = await signer.sign(
    { method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path, query: {}, headers },
    { signingDate },
  );
  const lower = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  let previous = /Signature=([0-9a-f]{64})/.exec(lower.authorization!)![1]!;
  const amzDate = lower['x-amz-date']!;
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const sign = (stringToSign: string) => signer.sign(stringToSign, { signingDate });

  const parts: Buffer[] = [];
  for (const chunk of [...split(body, [options.chunkSize]), new Uint8Array(0)]) {
    const hash = createHash('sha256').update(chunk).digest('hex');
    previous = await sign(`AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${EMPTY}\n${hash}`);
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      Buffer.from(chunk),
    );
    if (chunk.length > 0 || !options.trailer) parts.push(Buffer.from('\r\n'));
  }
  if (options.trailer) {
    const [name, value] = options.trailer;
    const canonical = createHash('sha256').update(`${name}:${value}\n`).digest('hex');
    const sig = await sign(`AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previous}\n${canonical}`);
    parts.push(Buffer.from(`${name}:${value}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`));
  }
  return { method: 'PUT', url: path, headers: lower, body: Buffer.concat(parts) };
}
