/**
 * Issue 21, item 4: s3db.js's own types (embeddings, number arrays of 256+ items, money, crypto,
 * fixed-point decimals, latitudes, longitudes, points, IPv4 and IPv6 addresses), written by the real
 * s3db.js 21.6.2 on s3rver, read by importS3db as the values s3db.js's own get() returns, and carried
 * over by migrate() into a bucketkit Database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, importS3db, type S3dbBucket } from '../../src/db/index.js';
import { connect, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { expectedRecord, PASSPHRASE, type Row, writeWithS3db } from './s3db-fixture.js';

const long = Array.from({ length: 300 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);

const TYPED = [
  {
    definition: {
      name: 'typed',
      behavior: 'body-overflow',
      attributes: {
        vec: 'embedding:4',
        series: 'array|items:number|optional',
        price: 'money|optional',
        cents: 'money:3|optional',
        btc: 'crypto|optional',
        rate: 'decimal:4|optional',
        plain: 'decimal|optional',
        lat: 'geo:lat|optional',
        lon: 'geo:lon|optional',
        where: 'geo:point|optional',
        ip: 'ip4|optional',
        ip6: 'ip6|optional',
      },
    },
    records: [
      {
        id: 'lisbon',
        vec: [0.25, -1.5, 0, 1.234567],
        series: long,
        price: 1999.99,
        cents: 12.345,
        btc: 0.00012345,
        rate: -1.2345,
        plain: 42.5,
        lat: 38.722252,
        lon: -9.139337,
        where: { lat: 38.722252, lon: -9.139337 },
        ip: '192.168.10.254',
        ip6: '2001:db8:0:0:0:0:2:1',
      },
      {
        id: 'edges',
        vec: [1, 2, 3, 4],
        price: 0,
        rate: 0,
        lat: -90,
        lon: 180,
        where: [0, 0],
        ip: '0.0.0.0',
        ip6: '::1',
      },
      {
        id: 'loopback',
        vec: [-0.000001, 1e-6, 100, -100],
        // s3db.js requires a geo:point even when it is optional
        where: { latitude: -33.8688, longitude: 151.2093 },
        ip6: 'fe80::1:0:0:0:1',
        lat: 90,
        lon: -180,
      },
    ],
  },
];

describe('s3db.js-only types', () => {
  let server: S3Server;
  let port: StoragePort;
  let bucket: S3dbBucket;
  let theirs: Map<string, Row>;

  beforeAll(async () => {
    server = await startS3rver('s3db');
    const url = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/typed`;
    theirs = await writeWithS3db(url, TYPED);
    port = connect(url);
    bucket = await importS3db(port, { passphrase: PASSPHRASE });
  }, 900_000);

  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('reads each type as the value s3db.js returns, not as its stored text', async () => {
    const typed = bucket.resource('typed');
    for (const { id } of TYPED[0]!.records) {
      const key = `typed/${id}`;
      const expected = expectedRecord(theirs.get(key)!, typed.info, key);
      expect({ key, record: await typed.get(id) }).toEqual({ key, record: expected });
    }
    // and those are the values written (within each type's stored precision)
    const lisbon = await typed.get('lisbon');
    expect(lisbon).toMatchObject({ price: 1999.99, btc: 0.00012345, rate: -1.2345, ip: '192.168.10.254' });
    expect(lisbon.vec).toEqual([0.25, -1.5, 0, 1.234567]);
    expect(lisbon.series).toEqual(long);
    expect(lisbon.ip6).toBe('2001:db8::2:1');
    expect((lisbon.where as Row).latitude).toBeCloseTo(38.722252, 6);
  }, 120_000);

  it('migrate() carries them into a bucketkit Database with the same values', async () => {
    const db = await new Database({ storage: memoryStorage(), passphrase: 'p' }).connect();
    expect(await bucket.migrate(db)).toEqual({ typed: { copied: 3, skipped: 0, failed: [] } });
    for await (const record of bucket.resource('typed').list())
      expect(await db.resource('typed').get(String(record.id))).toEqual(record);
    await db.disconnect();
  }, 120_000);
});
