/**
 * Real S3 servers for tests, started on loopback: s3rver in-process and Ceph RGW (a production S3
 * implementation) through ceph-rgw.sh. Each start returns what a client needs and a stop function.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver, { type S3rverStore } from 's3rver';
import { requireDebian } from './debian.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export interface S3Server {
  name: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  stop(): Promise<void>;
}

/**
 * A raw SDK client for a test server, configured the way the s3 adapter configures its own (checksums
 * only when required: s3rver and Ceph 16 do not understand aws-chunked bodies); `extra` adds settings.
 */
export function rawClient(server: S3Server, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    ...extra,
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** s3rver in this process, with one bucket. Fast; ignores conditional writes (see DESIGN.md). */
export async function startS3rver(buckets: string | string[] = 'test'): Promise<S3Server> {
  const names = typeof buckets === 'string' ? [buckets] : buckets;
  const bucket = names[0]!;
  const directory = await mkdtemp(join(tmpdir(), 'bk-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: names.map((name) => ({ name, configs: [] })),
    vhostBuckets: false,
  });
  writeBeforeAnswering(server.store);
  const address = (await server.run()) as AddressInfo;
  return {
    name: 's3rver',
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    bucket,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The file system module s3rver writes objects through (tests may slow it down to show races). */
export const s3rverFs = createRequire(createRequire(import.meta.url).resolve('s3rver'))('fs-extra') as {
  createWriteStream(path: string): Writable;
};

/**
 * s3rver 3.7 answers a PUT once it has read the request body, not once the object's file is written (it
 * waits on its hashing Transform, not on the file stream): a GET right after can then find no object, or
 * a short one, on a loaded machine (a CI failure of test/db/encoding/ports.test.ts). This replaces its
 * store's `putObject` with one that answers after the file is written, then its metadata, as s3rver does.
 */
function writeBeforeAnswering(store: S3rverStore): void {
  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const hash = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.byteLength;
        done(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(content, hash, s3rverFs.createWriteStream(path));
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** A throwaway single-node Ceph RGW (1-2 s to start); one line naming the packages when Ceph is missing. */
export async function startCephRgw(bucket = 'test'): Promise<S3Server> {
  requireDebian('ceph');
  const dir = await mkdtemp(join(tmpdir(), 'bk-rgw-'));
  const script = join(here, 'ceph-rgw.sh');
  const { stdout } = await run('bash', [script, 'start', dir], {
    env: { ...process.env, RGW_WATCH_PID: String(process.pid), RGW_MEMSTORE_BYTES: String(2 * 1024 ** 3) },
    timeout: 300_000,
  });
  const env = Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const server: S3Server = {
    name: 'ceph-rgw',
    endpoint: env.ENDPOINT!,
    accessKeyId: env.ACCESS_KEY!,
    secretAccessKey: env.SECRET_KEY!,
    bucket,
    async stop() {
      await run('bash', [script, 'stop', dir]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  const client = rawClient(server);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return server;
}
