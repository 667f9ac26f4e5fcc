import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, datasets, presignRange, readTar, uploadDatarange } from '../../src/datasets/index.js';
import { concatBytes, type PutOptions, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { expectWhole, sized } from './aggregate-suite.js';

/**
 * s3rver ignores conditional writes, and the adapter refuses to send them there; these tests have a
 * single writer, so the port claims them and drops the conditions.
 */
function singleWriter(port: StoragePort): StoragePort {
  return Object.assign(Object.create(port) as StoragePort, {
    capabilities: async () => ({ ...(await port.capabilities()), conditionalWrites: true }),
    put: (key: string, body: Parameters<StoragePort['put']>[1], options: PutOptions = {}) => {
      const { ifMatch: _m, ifNoneMatch: _n, ...rest } = options;
      return port.put(key, body, rest);
    },
  });
}

describe('datasets on s3rver', () => {
  let server: S3Server;
  let port: StoragePort;
  beforeAll(async () => {
    server = await startS3rver('test');
    port = singleWriter(
      s3Storage({
        bucket: server.bucket,
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        listApi: 'v1',
      }),
    );
  });
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('aggregation falls back to streaming where ranged UploadPartCopy is not implemented', async () => {
    const ds = await datasets(port).create('fallback');
    for (let i = 0; i < 3; i++) await uploadDatarange(ds, sized(1 + i * 3, 3 + i * 3, 2 * 1024 * 1024));
    const result = await aggregate(ds, 1, 9);
    expect(result.copiedBytes).toBe(0);
    expect(result.uploadedBytes).toBe(result.datarange.size);
    await expectWhole(datasets(port).open('fallback'), 1, 9, 2 * 1024 * 1024);
  }, 30_000);

  it('presigned ranged GETs fetch exactly the requested datapoints', async () => {
    const ds = await datasets(port).create('urls');
    await uploadDatarange(ds, sized(1, 4, 1000));
    await uploadDatarange(ds, sized(5, 6, 10));
    const { segments, gaps, terminator } = await presignRange(ds, 2, 6);
    expect(gaps).toEqual([]);
    const bodies: Uint8Array[] = [];
    for (const s of segments) {
      const res = await fetch(s.url, { headers: { Range: s.header } });
      expect(res.status).toBe(206);
      bodies.push(new Uint8Array(await res.arrayBuffer()));
    }
    const entries = readTar(concatBytes([...bodies, new Uint8Array(terminator)]));
    expect(entries.map((e) => Number(e.name.slice(0, 20)))).toEqual([2, 3, 4, 5, 6]);
  });
});
