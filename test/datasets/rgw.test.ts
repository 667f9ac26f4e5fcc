import { afterAll, beforeAll, describe, it } from 'vitest';
import { type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw } from '../support/servers.js';
import { concurrentOverlap } from './dataset-suite.js';

describe('datasets on Ceph RGW', () => {
  let server: S3Server;
  let port: StoragePort;
  beforeAll(async () => {
    server = await startCephRgw('test');
    port = s3Storage({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  }, 300_000);
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('eight concurrent uploads of overlapping dataranges: exactly one wins', async () => {
    await concurrentOverlap(port, 'race');
  });
});
