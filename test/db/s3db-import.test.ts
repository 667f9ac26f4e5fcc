/**
 * Issue 21, item 4: a bucket written by the real s3db.js 21.6.2 (bench/peers, installed from npm on
 * first use) on s3rver, opened with importS3db: every behaviour, nested objects, arrays, numbers,
 * booleans, datetimes, JSON, secrets, partitions and unicode read back equal to what s3db.js's own get()
 * returns; then migrated into a bucketkit Database, idempotently and resumably.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadS3db } from '../../bench/db-s3db.js';
import { Database, importS3db, type S3dbBucket } from '../../src/db/index.js';
import { connect, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';

type Row = Record<string, unknown>;
interface S3dbResource {
  insert(record: Row): Promise<Row>;
  get(id: string): Promise<Row>;
}
interface S3dbDatabase {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createResource(definition: Row): Promise<S3dbResource>;
}

const PASSPHRASE = 'correct horse battery staple';
const long = (c: string, n: number) => c.repeat(n);

/** What s3db.js writes: each resource with its records (ids given so both sides can be compared). */
const RESOURCES: { definition: Row; records: Row[] }[] = [
  {
    definition: {
      name: 'people',
      behavior: 'body-overflow',
      timestamps: true,
      attributes: {
        name: 'string|required',
        email: 'email|optional',
        age: 'number|integer|optional',
        score: 'number|optional',
        active: 'boolean|optional',
        country: 'string|optional',
        tags: 'array|items:string|optional',
        ratings: 'array|items:number|optional',
        profile: { bio: 'string|optional', city: 'string|optional' },
        token: 'secret|optional',
        seen: 'datetime|optional',
        extra: 'json|optional',
      },
      partitions: { byCountry: { fields: { country: 'string' } } },
      asyncPartitions: false,
    },
    records: [
      {
        id: 'ada',
        name: 'Ada Łovelace ✓',
        email: 'ada@example.org',
        age: 36,
        score: 3.25,
        active: true,
        country: 'US',
        tags: ['a|b', 'back\\slash', 'ünï'],
        ratings: [1, 2.5, -3],
        profile: { bio: 'mathématicienne 数学者', city: 'London' },
        token: 's3cr3t-ü',
        seen: '2024-05-01T10:00:00.000Z',
        extra: { k: [1, 2], nested: { ok: true } },
      },
      { id: 'bob', name: 'Bob', age: -42, score: -0.5, active: false, country: 'USA', tags: [], ratings: [] },
      {
        id: 'big',
        name: 'Big',
        age: 1_000_000,
        country: 'PT',
        profile: { bio: long('long text ', 300), city: 'Porto' },
        token: 'overflowing',
      },
      { id: 'status', name: 'completed', email: 'x@y.z', country: 'application/json' },
    ],
  },
  {
    definition: {
      name: 'notes',
      behavior: 'body-only',
      attributes: { title: 'string|optional', n: 'number|optional', body: 'string|optional' },
    },
    records: [
      { id: 'n1', title: 'hello', n: -42, body: long('ß', 3000) },
      { id: 'n2', title: 'https://example.com/x', n: 12.5 },
    ],
  },
  {
    definition: {
      name: 'blobs',
      behavior: 'user-managed',
      attributes: { a: 'string|optional', b: 'number|integer|optional' },
    },
    records: [
      { id: 'm1', a: long('y', 3000), b: 7 },
      { id: 'm2', a: 'small', b: 8 },
    ],
  },
  {
    definition: {
      name: 'strict',
      behavior: 'enforce-limits',
      attributes: { a: 'string|optional', on: 'boolean|optional' },
    },
    records: [{ id: 's1', a: 'fits', on: true }],
  },
  {
    definition: {
      name: 'clipped',
      behavior: 'truncate-data',
      attributes: { a: 'string|optional', b: 'string|optional' },
    },
    records: [{ id: 't1', a: 'short', b: 'also short' }],
  },
];

describe('importS3db on a bucket written by s3db.js 21.6.2', () => {
  let server: S3Server;
  let port: StoragePort;
  let s3db: S3dbDatabase;
  let bucket: S3dbBucket;
  /** What s3db.js's own get() returns for each resource/id. */
  const theirs = new Map<string, Row>();

  beforeAll(async () => {
    const S3db = (await loadS3db()) as unknown as new (options: Row) => S3dbDatabase;
    server = await startS3rver('s3db');
    const url = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/apps/one`;
    s3db = new S3db({
      connectionString: url,
      // its default HTTP handler (recker) is stubbed in bench/peers; the AWS SDK's own handler is used
      clientOptions: { httpClientOptions: { useReckerHandler: false } },
      logLevel: 'silent',
      security: { passphrase: PASSPHRASE },
    });
    await s3db.connect();
    for (const { definition, records } of RESOURCES) {
      const resource = await s3db.createResource(definition);
      for (const record of records) await resource.insert(record);
      for (const record of records)
        theirs.set(`${definition.name}/${record.id}`, await resource.get(String(record.id)));
    }
    port = connect(url);
    bucket = await importS3db(port, { passphrase: PASSPHRASE });
  }, 900_000);

  afterAll(async () => {
    await s3db?.disconnect();
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
        // s3db.js's get() adds object facts (_etag, _lastModified, _v...): not record fields
        const expected: Row = Object.fromEntries(
          Object.entries(theirs.get(key)!).filter(([k]) => !k.startsWith('_')),
        );
        // s3db.js 21.6.2 returns a body-overflow field of a resource with timestamps under its short key
        // (s3db.md §14): the same value is expected here, under the field's name
        const shortKeys = Object.entries(resource.info.map).filter(
          ([path, short]) => short in expected && !(short in resource.info.attributes) && path !== short,
        );
        for (const [path, short] of shortKeys) {
          const value = expected[short];
          delete expected[short];
          const parts = path.split('.');
          let target = expected;
          for (const part of parts.slice(0, -1)) {
            target[part] = { ...(target[part] as Row | undefined) };
            target = target[part] as Row;
          }
          target[parts.at(-1)!] = value;
          overflowQuirks.push(`${key}:${path}`);
        }
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
