/** Ports the db tests run over: memory, file (a temp folder) and s3 on s3rver / Ceph RGW. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorage, memoryStorage, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';

export interface PortFixture {
  name: string;
  /** A fresh, empty port (its own bucket prefix or folder). */
  make(): Promise<StoragePort>;
  stop(): Promise<void>;
}

let counter = 0;

export function memoryFixture(): PortFixture {
  return { name: 'memory', make: async () => memoryStorage(), stop: async () => {} };
}

export async function fileFixture(): Promise<PortFixture> {
  const root = await mkdtemp(join(tmpdir(), 'bk-db-'));
  return {
    name: 'file',
    make: async () => fileStorage(join(root, `db${counter++}`), { durable: false }),
    stop: () => rm(root, { recursive: true, force: true }),
  };
}

function s3Fixture(name: string, server: S3Server, listApi: 'v1' | 'v2'): PortFixture {
  return {
    name,
    make: async () => {
      const { prefixed } = await import('../../src/storage/index.js');
      const port = s3Storage({
        bucket: server.bucket,
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        listApi,
      });
      return prefixed(port, `t${counter++}/`);
    },
    stop: () => server.stop(),
  };
}

export async function s3rverFixture(): Promise<PortFixture> {
  return s3Fixture('s3rver', await startS3rver('dbtest'), 'v1');
}

export async function cephFixture(): Promise<PortFixture> {
  return s3Fixture('ceph-rgw', await startCephRgw('dbtest'), 'v2');
}

/** Records log events for assertions. */
export function logSink() {
  const events: { level: string; message: string }[] = [];
  return { events, logger: (e: { level: string; message: string }) => void events.push(e) };
}
