import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type Authenticated, authenticate, type SigV4Options } from '../../../src/gateway/sigv4/index.js';

export const REGION = 'us-east-1';
export const ACCESS_KEY = 'AKIDBUCKETKITTEST';
export const SECRET = 'bucketkit/secret+key/for=tests';

/** One request exactly as it reached the server. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A node:http server that records every request and answers like a permissive S3. */
export async function startRecorder(): Promise<{
  endpoint: string;
  requests: Recorded[];
  close(): Promise<void>;
}> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      // the MD5 of what arrived (framing included), so clients that compare it (s3cmd) do not retry
      res.setHeader('etag', `"${createHash('md5').update(body).digest('hex')}"`);
      if (req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url!)) {
        res.setHeader('content-type', 'application/xml');
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket>' +
            '<Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>',
        );
        return;
      }
      if (req.method === 'POST') {
        res.setHeader('content-type', 'application/xml');
        res.end(
          /[?&]uploadId=/.test(req.url!)
            ? '<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"e-2"</ETag></CompleteMultipartUploadResult>'
            : '<DeleteResult></DeleteResult>',
        );
        return;
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An S3 client aimed at `endpoint` with the test credentials. */
export function client(endpoint: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    ...extra,
  });
}

export const OPTIONS: SigV4Options = {
  region: REGION,
  secretFor: (id) => (id === ACCESS_KEY ? SECRET : undefined),
};

/** Yields `body` cut at the given offsets, the way network reads arrive. */
export async function* pieces(body: Uint8Array, cuts: readonly number[] = []): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= start || cut >= body.length) continue;
    yield body.subarray(start, cut);
    start = cut;
  }
  yield body.subarray(start);
}

/** Reads a payload to the end. */
export async function drain(auth: Authenticated, body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const part of auth.payload(body)) out.push(Uint8Array.from(part));
  return Buffer.concat(out);
}

/** Authenticates a recorded request and reads its payload, with the body split at `cuts`. */
export async function replay(
  rec: Recorded,
  options: Partial<SigV4Options> = {},
  cuts: readonly number[] = [],
): Promise<{ auth: Authenticated; payload: Buffer }> {
  const auth = await authenticate(
    { method: rec.method, url: rec.url, headers: rec.headers },
    { ...OPTIONS, ...options },
  );
  return { auth, payload: await drain(auth, pieces(rec.body, cuts)) };
}

/** The promise's rejection, to assert on its code and details. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; s3Code: unknown; status: unknown }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; details?: { s3Code?: unknown; status?: unknown } };
    return { code: e.code ?? String(err), s3Code: e.details?.s3Code, status: e.details?.status };
  }
  throw new Error('expected a rejection');
}
