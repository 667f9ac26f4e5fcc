import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { erasure } from '../../src/erasure/index.js';
import { fileStorage, memoryStorage, s3Storage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';
import { startS3rver } from '../support/servers.js';

describeStoragePort(
  'erasure 4+2 over 6 memory ports',
  () =>
    erasure(
      Array.from({ length: 6 }, () => memoryStorage()),
      { parity: 2, blockSize: 256 * 1024 },
    ),
  { expectConditionalWrites: false },
);

describeStoragePort(
  'erasure 4+2 over 6 file ports',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-erasure-'));
    const ports = Array.from({ length: 6 }, (_, i) =>
      fileStorage(join(root, `disk${i}`), { durable: false }),
    );
    return { port: erasure(ports, { parity: 2 }), cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  { expectConditionalWrites: false },
);

describeStoragePort(
  'erasure 4+2 over 6 s3rver buckets',
  async () => {
    const buckets = Array.from({ length: 6 }, (_, i) => `disk${i}`);
    const server = await startS3rver(buckets);
    const ports = buckets.map((bucket) =>
      s3Storage({
        bucket,
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        listApi: 'v1',
      }),
    );
    return { port: erasure(ports, { parity: 2 }), cleanup: () => server.stop() };
  },
  {
    expectConditionalWrites: false,
    knownDefects: { keysAsPaths: 's3rver 3.7 maps keys to file paths (the m/<key> manifests inherit it)' },
  },
);
