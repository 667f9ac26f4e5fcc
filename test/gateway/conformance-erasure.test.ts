import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { erasure } from '../../src/erasure/index.js';
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { fileStorage, s3Storage } from '../../src/storage/index.js';
import { describeStoragePort } from '../../src/testing/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

const credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };

describeStoragePort(
  's3 adapter → gateway → erasure 4+2 over 6 file ports',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-gw-erasure-'));
    const disks = Array.from({ length: 6 }, (_, i) =>
      fileStorage(join(root, `disk${i}`), { durable: false }),
    );
    const gateway = createGateway({
      buckets: staticBuckets({ conformance: erasure(disks, { data: 4, parity: 2 }) }),
      credentials: [credentials],
    });
    const listening = await gateway.listen(0);
    const port = s3Storage({ bucket: 'conformance', endpoint: listening.endpoint, credentials });
    return {
      port,
      cleanup: async () => {
        await port.close?.();
        await listening.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
  // erasure() cannot enforce conditions itself; the gateway serialises writes per key and checks
  // them (the race test below); the 64 MiB streamed round trip runs here too (~2 s)
  { expectConditionalWrites: true },
);

describe('gateway over erasure (a port without conditional writes)', () => {
  it('20 create-only writers as the very first requests: exactly one wins', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-gw-erasure-race-'));
    const disks = Array.from({ length: 6 }, (_, i) =>
      fileStorage(join(root, `disk${i}`), { durable: false }),
    );
    const listening = await createGateway({
      buckets: staticBuckets({ race: erasure(disks, { data: 4, parity: 2 }) }),
      credentials: [credentials],
    }).listen(0);
    const client = sdkClient(listening.endpoint);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          client.send(
            new PutObjectCommand({ Bucket: 'race', Key: 'once', Body: `writer ${i}`, IfNoneMatch: '*' }),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(refused.every((e) => e.$metadata?.httpStatusCode === 412)).toBe(true);
    } finally {
      client.destroy();
      await listening.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
