import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type StoragePort, s3Storage } from '../../../src/storage/index.js';
import { type S3Server, startCephRgw } from '../../support/servers.js';
import { anyRecord, schema } from './records.js';
import { ALL_BEHAVIORS, encodeOrRefuse, expectRoundTrip } from './roundtrip-check.js';

// Ceph RGW is a production S3 server, and it rewrites "_" in metadata keys as "-": the encoding's
// system keys must survive that (s3db's `_v` does not).
describe('through s3 on Ceph RGW', () => {
  let server: S3Server;
  let port: StoragePort;
  let n = 0;
  beforeAll(async () => {
    server = await startCephRgw();
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

  const tricky = [
    { name: ' padded ', bio: '  two  spaces  ', tags: ['~', 'null', '{"a":1}'] },
    { name: 'é', bio: '日本'.repeat(500), profile: { address: {} } },
    { name: '😀', data: { nested: [-0, 1e300, 'x'] }, loose: '~n', token: 'p@ss w0rd ' },
  ];

  test('the server facts the format is built on: "_" in keys becomes "-", edge spaces are trimmed', async () => {
    await port.put('facts', '', { metadata: { a_b: 'x', c: '  padded  ', d: 'in  side' } });
    const { metadata } = await port.head('facts');
    expect(metadata).toEqual({ 'a-b': 'x', c: 'padded', d: 'in  side' });
  });

  test.each(ALL_BEHAVIORS)('records round-trip under %s', async (behavior) => {
    const check = async (input: Record<string, unknown>) => {
      const record = schema.validate(input);
      const stored = await encodeOrRefuse(record, behavior);
      if (!stored) return;
      const key = `resource=t/data/id=${n++}`;
      await port.put(key, stored.body ?? new Uint8Array(), { metadata: stored.metadata });
      const got = await port.get(key);
      expect(Object.keys(got.metadata).sort()).toEqual(Object.keys(stored.metadata).sort());
      await expectRoundTrip(record, behavior, { metadata: got.metadata, body: await got.bytes() });
    };
    for (const record of tricky) await check(record);
    await fc.assert(fc.asyncProperty(anyRecord, check), { numRuns: 25 });
  });
});
