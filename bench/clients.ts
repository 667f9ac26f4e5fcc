/**
 * The benchmark clients of bench/gateway.ts and bench/gateway-ab.ts: the AWS SDK v3, and a light one
 * that sends one SigV4-signed node:http request per call.
 */
import { Agent, request } from 'node:http';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { EMPTY_SHA256, escapeKey, LeanSigner, sha256Hex } from '../src/storage/s3/lean/sign.js';
import { rawClient, type S3Server } from '../test/support/servers.js';

export type ClientKind = 'sdk' | 'light';

/** What a benchmark does with a server; each client kind does it its own way. */
export interface BenchClient {
  put(key: string, body: Uint8Array): Promise<void>;
  /** Reads the object and returns how many bytes came. */
  get(key: string): Promise<number>;
  /** One listing page of the bucket (ListObjectsV2, or ListObjectVersions with `versions`); bytes read. */
  list(versions: boolean): Promise<number>;
  close(): void;
}

/**
 * A minimal S3 client: one SigV4-signed node:http request per call (bucketkit's lean signer) over a
 * keep-alive pool, the body counted as it comes. It spends a fraction of the SDK's CPU per request.
 */
export function lightClient(server: S3Server): BenchClient {
  const url = new URL(server.endpoint);
  const signer = new LeanSigner(
    { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    'us-east-1',
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const send = (method: 'GET' | 'PUT', key: string, body?: Uint8Array, query?: Record<string, string>) => {
    const base = key ? `/${server.bucket}/${escapeKey(key)}` : `/${server.bucket}`;
    const headers: Record<string, string> = { host: url.host };
    if (body) headers['content-length'] = String(body.byteLength);
    const search = signer.sign({
      method,
      path: base,
      headers,
      payloadHash: body ? sha256Hex(body) : EMPTY_SHA256,
      ...(query ? { query } : {}),
    });
    const path = search ? `${base}?${search}` : base;
    return new Promise<number>((resolve, reject) => {
      const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
        let size = 0;
        const chunks: Buffer[] = [];
        const failed = (res.statusCode ?? 0) >= 300;
        res.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (failed) chunks.push(chunk);
        });
        res.once('error', reject);
        res.once('end', () => {
          if (!failed) resolve(size);
          else reject(new Error(`${method} ${key}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        });
      });
      req.once('error', reject);
      req.end(body);
    });
  };
  return {
    async put(key, body) {
      await send('PUT', key, body);
    },
    get: (key) => send('GET', key),
    list: (versions) =>
      send(
        'GET',
        '',
        undefined,
        versions ? { versions: '', prefix: 'small/' } : { 'list-type': '2', prefix: 'small/' },
      ),
    close: () => agent.destroy(),
  };
}

export function sdkClient(server: S3Server): S3Client {
  const httpAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  return rawClient(server, { requestHandler: new NodeHttpHandler({ httpAgent }) });
}

export function clientFor(kind: ClientKind, server: S3Server): BenchClient {
  const Bucket = server.bucket;
  if (kind === 'sdk') {
    const s3 = sdkClient(server);
    return {
      async put(Key, Body) {
        await s3.send(new PutObjectCommand({ Bucket, Key, Body }));
      },
      async get(Key) {
        const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
        let size = 0;
        for await (const chunk of out.Body as AsyncIterable<Uint8Array>) size += chunk.byteLength;
        return size;
      },
      async list(versions) {
        if (versions) {
          const out = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'small/' }));
          return out.Versions?.length ?? 0;
        }
        const out = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'small/' }));
        return out.Contents?.length ?? 0;
      },
      close: () => s3.destroy(),
    };
  }
  return lightClient(server);
}
