/**
 * One benchmark server in a process of its own, so that it does not share the client's event loop
 * (Ceph RGW runs in its own processes too). Started by bench/gateway.ts:
 *
 *   node --import tsx bench/gateway-server.ts gateway|gateway-durable|gateway-versioned|gateway-memory|gateway-memory-versioned|s3rver|bare
 *
 * `bare` is a node:http server that answers without checking or storing anything: what a client
 * manages against it is the client's own ceiling. Prints the server's endpoint and keys as one JSON
 * line, and stops when its stdin closes.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { createGateway, folderBuckets, staticBuckets } from '../src/gateway/index.js';
import { memoryStorage } from '../src/storage/index.js';
import { type S3Server, startS3rver } from '../test/support/servers.js';

async function startBucketkit(durable: boolean, versioned = false): Promise<S3Server> {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-gateway-'));
  const buckets = folderBuckets(root, { durable });
  await buckets.create('bench');
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
  const listening = await createGateway({ buckets, credentials: [credentials] }).listen(0);
  if (versioned) await enableVersioning(listening.endpoint, credentials);
  return {
    name: versioned
      ? 'gateway (file, versioned)'
      : durable
        ? 'gateway (file, durable)'
        : 'gateway (file, durable: false)',
    endpoint: listening.endpoint,
    ...credentials,
    bucket: 'bench',
    async stop() {
      await listening.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Turns versioning on for the bucket `bench`. */
async function enableVersioning(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: 'bench', VersioningConfiguration: { Status: 'Enabled' } }),
  );
  s3.destroy();
}

/** The gateway over the memory port: what the gateway itself costs, with no storage work. */
async function startBucketkitMemory(versioned = false): Promise<S3Server> {
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
  const buckets = staticBuckets({ bench: memoryStorage() });
  const listening = await createGateway({ buckets, credentials: [credentials] }).listen(0);
  if (versioned) await enableVersioning(listening.endpoint, credentials);
  return {
    name: versioned ? 'gateway (memory, versioned)' : 'gateway (memory)',
    endpoint: listening.endpoint,
    ...credentials,
    bucket: 'bench',
    stop: () => listening.close(),
  };
}

/** Answers every PUT with an ETag and every GET with 4 KiB, after reading the request body. */
async function startBare(): Promise<S3Server> {
  const body = Buffer.alloc(4 * 1024, 7);
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { etag: '"bare"', 'content-length': body.byteLength });
        res.end(body);
      } else {
        res.writeHead(200, { etag: '"bare"', 'content-length': 0 });
        res.end();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    name: 'bare node:http',
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'AKIDBARE',
    secretAccessKey: 'bare-secret',
    bucket: 'bench',
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

const kind = process.argv[2];
const server =
  kind === 's3rver'
    ? await startS3rver('bench')
    : kind === 'bare'
      ? await startBare()
      : kind === 'gateway' || kind === 'gateway-durable' || kind === 'gateway-versioned'
        ? await startBucketkit(kind === 'gateway-durable', kind === 'gateway-versioned')
        : kind === 'gateway-memory' || kind === 'gateway-memory-versioned'
          ? await startBucketkitMemory(kind === 'gateway-memory-versioned')
          : undefined;
if (!server) throw new Error(`unknown server "${kind}": use a kind named at the top of this file`);
const { stop, ...shown } = server;
process.stdout.write(`${JSON.stringify(shown)}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  void stop().finally(() => process.exit(0));
});
