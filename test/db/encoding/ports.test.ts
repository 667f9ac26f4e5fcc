import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRecord, METADATA_LIMIT, metadataBytes } from '../../../src/db/encoding/index.js';
import { BucketkitError } from '../../../src/errors.js';
import {
  fileStorage,
  METADATA_LIMIT_BYTES,
  memoryStorage,
  type StoragePort,
  s3Storage,
} from '../../../src/storage/index.js';
import { startS3rver } from '../../support/servers.js';
import { anyRecord, cipher, map, schema } from './records.js';
import { ALL_BEHAVIORS, encodeOrRefuse, expectRoundTrip } from './roundtrip-check.js';

interface PortCase {
  name: string;
  runs: number;
  open(): Promise<{ port: StoragePort; close(): Promise<void> }>;
}

const cases: PortCase[] = [
  { name: 'memory', runs: 100, open: async () => ({ port: memoryStorage(), close: async () => {} }) },
  {
    name: 'file',
    runs: 40,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'bk-db-encoding-'));
      return {
        port: fileStorage(dir, { durable: false }),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 's3 on s3rver',
    runs: 40,
    async open() {
      const server = await startS3rver();
      const port = s3Storage({
        listApi: 'v1',
        bucket: server.bucket,
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      });
      return {
        port,
        async close() {
          await port.close?.();
          await server.stop();
        },
      };
    },
  },
];

describe.each(cases)('through $name', ({ runs, open }) => {
  let port: StoragePort;
  let close: () => Promise<void>;
  let n = 0;
  beforeAll(async () => {
    ({ port, close } = await open());
  });
  afterAll(() => close());

  test.each(ALL_BEHAVIORS)(
    'any valid record round-trips under %s, metadata as the port returns it',
    async (behavior) => {
      await fc.assert(
        fc.asyncProperty(anyRecord, async (input) => {
          const record = schema.validate(input);
          const stored = await encodeOrRefuse(record, behavior);
          if (!stored) return;
          const key = `resource=t/data/id=${n++}`;
          await port.put(key, stored.body ?? new Uint8Array(), { metadata: stored.metadata });
          const got = await port.get(key);
          await expectRoundTrip(record, behavior, { metadata: got.metadata, body: await got.bytes() });
        }),
        { numRuns: runs },
      );
    },
  );

  test.each(ALL_BEHAVIORS)(
    'a leading U+FEFF survives %s in every kind of field (pinned)',
    async (behavior) => {
      const bom = '\uFEFF';
      const records = [
        { name: `${bom}b`, bio: `${bom}${'日本'.repeat(700)}`, token: `${bom}s`, tags: [`${bom}t`] },
        { name: bom, profile: { nick: `${bom}n`, address: { city: `${bom}é` } }, data: { [bom]: bom } },
      ];
      for (const input of records) {
        const record = schema.validate(input);
        const stored = await encodeOrRefuse(record, behavior);
        if (!stored) continue;
        const key = `resource=t/data/id=bom-${n++}`;
        await port.put(key, stored.body ?? new Uint8Array(), { metadata: stored.metadata });
        const got = await port.get(key);
        await expectRoundTrip(record, behavior, { metadata: got.metadata, body: await got.bytes() });
      }
    },
  );

  test('metadataBytes is what the port counts: it accepts up to its limit and refuses one byte more', async () => {
    const record = { name: 'é日本😀'.repeat(40), bio: 'x'.repeat(1500) };
    const stored = await encodeRecord(record, {
      schema,
      map,
      version: 'v1',
      behavior: 'body-overflow',
      cipher,
    });
    expect(metadataBytes(stored.metadata)).toBeLessThanOrEqual(METADATA_LIMIT);
    expect(METADATA_LIMIT).toBeLessThan(METADATA_LIMIT_BYTES);
    const padded = (bytes: number) => {
      const fill = bytes - metadataBytes(stored.metadata) - 'zz'.length;
      const metadata = { ...stored.metadata, zz: 'p'.repeat(fill) };
      expect(metadataBytes(metadata)).toBe(bytes);
      return metadata;
    };
    await port.put('edge-ok', stored.body ?? '', { metadata: padded(METADATA_LIMIT_BYTES) });
    expect(metadataBytes((await port.head('edge-ok')).metadata)).toBe(METADATA_LIMIT_BYTES);
    const err = await port
      .put('edge-over', '', { metadata: padded(METADATA_LIMIT_BYTES + 1) })
      .catch((e) => e);
    expect(BucketkitError.is(err, 'MetadataTooLarge')).toBe(true);
  });
});
