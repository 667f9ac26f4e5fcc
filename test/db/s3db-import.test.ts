/**
 * Issue 21, item 4: a bucket written by the real s3db.js 21.6.2 (bench/peers, installed from npm on
 * first use) on s3rver, opened with importS3db: every behaviour, nested objects, arrays, numbers,
 * booleans, datetimes, JSON, secrets, partitions and unicode read back equal to what s3db.js's own get()
 * returns; then migrated into a bucketkit Database, idempotently and resumably.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, importS3db, type S3dbBucket } from '../../src/db/index.js';
import { connect, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { expectedRecord, long, PASSPHRASE, RESOURCES, type Row, writeWithS3db } from './s3db-fixture.js';

describe('importS3db on a bucket written by s3db.js 21.6.2', () => {
  let server: S3Server;
  let port: StoragePort;
  let bucket: S3dbBucket;
  /** What s3db.js's own get() returns for each resource/id. */
  let theirs: Map<string, Row>;

  beforeAll(async () => {
    server = await startS3rver('s3db');
    const url = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/apps/one`;
    theirs = await writeWithS3db(url);
    port = connect(url);
    bucket = await importS3db(port, { passphrase: PASSPHRASE });
  }, 900_000);

  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('lists the resources of s3db.json and reads every record as s3db.js returns it', async () => {
    const overflowQuirks: string[] = [];
    expect(bucket.resources()).toEqual(['blobs', 'clipped', 'notes', 'people', 'strict']);
    for (const { definition, records } of RESOURCES) {
      const resource = bucket.resource(String(definition.name));
      expect(await resource.count()).toBe(records.length);
      for (const record of records) {
        const key = `${definition.name}/${record.id}`;
        const ours = await resource.get(String(record.id));
        const expected = expectedRecord(theirs.get(key)!, resource.info, key, overflowQuirks);
        expect({ key, record: ours }).toEqual({ key, record: expected });
      }
    }
    // the one record whose bio overflowed to the body is the one s3db.js returns under a short key
    expect(overflowQuirks).toEqual(['people/big:profile.bio']);
  }, 300_000);

  it('decodes secrets, unicode, arrays, numbers, datetimes, JSON and dictionary words to the values inserted', async () => {
    const ada = await bucket.resource('people').get('ada');
    const { id: _, ...inserted } = RESOURCES[0]!.records[0]!;
    expect(ada).toMatchObject(inserted);
    expect(ada.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await bucket.resource('people').get('status')).toMatchObject({
      name: 'completed',
      country: 'application/json',
    });
    expect(await bucket.resource('notes').get('n1')).toEqual({
      id: 'n1',
      title: 'hello',
      n: -42,
      body: long('ß', 3000),
    });
    expect((await bucket.resource('blobs').get('m1')).a).toBe(long('y', 3000));
    await expect(bucket.resource('people').get('nobody')).rejects.toMatchObject({ code: 'NotFound' });
    const wrong = await importS3db(port, { passphrase: 'wrong' });
    await expect(wrong.resource('people').get('ada')).rejects.toMatchObject({ code: 'AccessDenied' });
  }, 120_000);

  it('reads partitions exactly (US is not USA) and queries with bucketkit filters', async () => {
    const people = bucket.resource('people');
    expect(await people.partitionIds('byCountry', { country: 'US' })).toEqual(['ada']);
    expect(await people.partitionIds('byCountry', { country: 'USA' })).toEqual(['bob']);
    const adults = await people.query({ age: { gte: 18 } });
    expect(adults.map((r) => r.id).sort()).toEqual(['ada', 'big']);
  }, 120_000);

  it('migrates into a bucketkit Database: equal records, timestamps kept, a re-run copies only what is missing', async () => {
    const db = await new Database({ storage: memoryStorage(), passphrase: 'new passphrase' }).connect();
    const first = await bucket.migrate(db);
    expect(first).toEqual({
      people: { copied: 4, skipped: 0, failed: [] },
      notes: { copied: 2, skipped: 0, failed: [] },
      blobs: { copied: 2, skipped: 0, failed: [] },
      strict: { copied: 1, skipped: 0, failed: [] },
      clipped: { copied: 1, skipped: 0, failed: [] },
    });
    for (const name of bucket.resources()) {
      for await (const record of bucket.resource(name).list()) {
        expect(await db.resource(name).get(String(record.id))).toEqual(record);
      }
    }
    expect(db.resource('people').describe().partitions).toEqual({ byCountry: ['country'] });
    // an interrupted run: some records never arrived; the re-run copies those and skips the rest
    await db.resource('people').delete('bob');
    await db.resource('notes').delete('n2');
    const again = await bucket.migrate(db, { resources: ['people', 'notes'] });
    expect(again).toEqual({
      people: { copied: 1, skipped: 3, failed: [] },
      notes: { copied: 1, skipped: 1, failed: [] },
    });
    expect(await db.resource('people').get('bob')).toEqual(await bucket.resource('people').get('bob'));
    await db.disconnect();
  }, 300_000);
});
