/**
 * Buckets the real s3db.js writes, on the two backends the s3db.js tests use: s3rver copied onto the
 * file port (s3db.js has no client for bucketkit's file layout), and Ceph RGW copied server-side. Each
 * `make()` is a fresh copy of the pristine bucket, to read or to migrate in place.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, fileStorage, prefixed, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';
import type { Row } from './s3db-fixture.js';

/** Writes with s3db.js to `url` (`port` is the same prefix) and returns what its get() returned. */
export type S3dbWriter = (url: string, port: StoragePort) => Promise<Map<string, Row>>;

export interface S3dbSource {
  theirs: Map<string, Row>;
  /** The bucket s3db.js wrote (read it, never change it). */
  pristine: StoragePort;
  make(): Promise<StoragePort>;
  stop(): Promise<void>;
}

const urlOf = (server: S3Server, prefix: string) =>
  `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/${prefix}`;

/** s3db.js writes to s3rver; each copy is a new folder on the file port. */
export async function fileSource(write: S3dbWriter): Promise<S3dbSource> {
  const server = await startS3rver('s3db');
  const source = connect(urlOf(server, 'pristine'));
  const theirs = await write(urlOf(server, 'pristine'), source);
  const root = await mkdtemp(join(tmpdir(), 'bk-s3db-'));
  let n = 0;
  return {
    theirs,
    pristine: source,
    async make() {
      const port = fileStorage(join(root, `copy${n++}`), { durable: false });
      for await (const entry of source.list({})) {
        if (entry.type !== 'object') continue;
        const got = await source.get(entry.key);
        await port.put(entry.key, await got.bytes(), {
          metadata: got.metadata,
          ...(got.contentType ? { contentType: got.contentType } : {}),
        });
      }
      return port;
    },
    async stop() {
      await source.close?.();
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** s3db.js writes to Ceph RGW; each copy is a server-side copy under a new prefix. */
export async function cephSource(write: S3dbWriter): Promise<S3dbSource> {
  const server = await startCephRgw('s3db');
  const base = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  const source = prefixed(base, 'pristine/');
  const theirs = await write(urlOf(server, 'pristine'), source);
  let n = 0;
  return {
    theirs,
    pristine: source,
    async make() {
      const prefix = `copy${n++}/`;
      for await (const entry of source.list({}))
        if (entry.type === 'object') await base.copy(`pristine/${entry.key}`, `${prefix}${entry.key}`);
      return prefixed(base, prefix);
    },
    async stop() {
      await base.close?.();
      await server.stop();
    },
  };
}
