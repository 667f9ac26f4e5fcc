/**
 * What the s3db.js tests write with the real s3db.js 21.6.2 (bench/peers, installed from npm on first
 * use): resources covering every behaviour, nested objects, arrays, numbers, booleans, datetimes, JSON,
 * secrets, partitions and unicode; and what s3db.js's own get() returns for each record.
 */
import { loadS3db } from '../../bench/db-s3db.js';
import type { S3dbResourceInfo } from '../../src/db/index.js';

export type Row = Record<string, unknown>;
interface S3dbResource {
  insert(record: Row): Promise<Row>;
  get(id: string): Promise<Row>;
}
export interface S3dbDatabase {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createResource(definition: Row): Promise<S3dbResource>;
}

export const PASSPHRASE = 'correct horse battery staple';
export const long = (c: string, n: number) => c.repeat(n);

/** What s3db.js writes: each resource with its records (ids given so both sides can be compared). */
export const RESOURCES: { definition: Row; records: Row[] }[] = [
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

/**
 * Writes `resources` (default RESOURCES) with s3db.js to `url` (an S3 connection string with its key prefix) and returns what
 * s3db.js's get() returns for each `resource/id`.
 */
export async function writeWithS3db(
  url: string,
  resources: { definition: Row; records: Row[] }[] = RESOURCES,
): Promise<Map<string, Row>> {
  const S3db = (await loadS3db()) as unknown as new (options: Row) => S3dbDatabase;
  const s3db = new S3db({
    connectionString: url,
    // its default HTTP handler (recker) is stubbed in bench/peers; the AWS SDK's own handler is used
    clientOptions: { httpClientOptions: { useReckerHandler: false } },
    logLevel: 'silent',
    security: { passphrase: PASSPHRASE },
  });
  const theirs = new Map<string, Row>();
  await s3db.connect();
  try {
    for (const { definition, records } of resources) {
      const resource = await s3db.createResource(definition);
      for (const record of records) await resource.insert(record);
      for (const record of records)
        theirs.set(`${definition.name}/${record.id}`, await resource.get(String(record.id)));
    }
  } finally {
    await s3db.disconnect();
  }
  return theirs;
}

/**
 * What a reader should return for a record s3db.js's get() returned as `theirs`: without the object
 * facts it adds (`_etag`, `_lastModified`, `_v`...), and with a body-overflow field of a resource with
 * timestamps back under its name (s3db.js 21.6.2 returns it under its short key, s3db.md §14).
 * `quirks` collects the `resource/id:path` of each such field.
 */
export function expectedRecord(theirs: Row, info: S3dbResourceInfo, key: string, quirks: string[] = []): Row {
  // on Ceph RGW, s3db.js's get() also returns its `_v` metadata as "-v" (the header's underscore
  // comes back as a dash): an object fact too, not a field
  const expected: Row = Object.fromEntries(
    Object.entries(theirs).filter(([k]) => !k.startsWith('_') && !k.startsWith('-')),
  );
  const shortKeys = Object.entries(info.map).filter(
    ([path, short]) => short in expected && !(short in info.attributes) && path !== short,
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
    quirks.push(`${key}:${path}`);
  }
  return expected;
}
