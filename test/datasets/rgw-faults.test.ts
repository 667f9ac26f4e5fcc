import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, datasets, gc, uploadDatarange } from '../../src/datasets/index.js';
import { type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw } from '../support/servers.js';
import { expectClean, expectWhole, faultSuite, sized } from './aggregate-suite.js';
import { type CrashablePort, crashable } from './crash-port.js';

const MIB = 1024 * 1024;

describe('aggregation faults on Ceph RGW (server-side copy)', () => {
  let server: S3Server;
  let port: StoragePort;
  let crashy: CrashablePort;
  beforeAll(async () => {
    server = await startCephRgw('test');
    port = s3Storage({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    crashy = crashable(port);
  }, 300_000);
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('a crash mid-copy leaves a pending multipart upload that gc() aborts', async () => {
    const ds = await datasets(crashy).create('mid');
    for (let i = 0; i < 3; i++) await uploadDatarange(ds, sized(1 + i * 3, 3 + i * 3, 2 * MIB));
    const err = await aggregate(ds, 1, 9, {
      ttlMs: 200,
      onStep: (s) => {
        if (s.step === 'part') {
          crashy.crash();
          throw new Error('injected');
        }
      },
    }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/injected/);
    crashy.recover();
    expect((await ds.manifest({ fresh: true })).pending?.[0]?.uploadId).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { aborted } = await gc(ds, { graceMs: 0 });
    expect(aborted).toBe(1);
    await expectClean(crashy, ds);
    await expectWhole(ds, 1, 9, 2 * MIB);
  }, 60_000);

  describe('fault injection at every step (server-side copy)', () => {
    faultSuite(() => crashy, 2 * MIB);
  });
});
