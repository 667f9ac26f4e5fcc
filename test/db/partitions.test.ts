import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../src/db/index.js';
import { instrumented, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { fileFixture, memoryFixture, type PortFixture, s3rverFixture } from './ports.js';

async function entries(port: StoragePort, partition: string) {
  const keys: string[] = [];
  for await (const e of port.list({ prefix: `resource=people/partition=${partition}/` })) {
    if (e.type === 'object') keys.push(e.key.slice(`resource=people/partition=${partition}/`.length));
  }
  return keys.sort();
}

async function people(port: StoragePort) {
  const db = await new Database({ storage: port }).connect();
  return db.createResource({
    name: 'people',
    attributes: { name: 'string|required', country: 'string', city: 'string', age: 'number' },
    partitions: { byCountry: ['country'], byPlace: ['country', 'city'] },
  });
}

const fixtures: [string, () => Promise<PortFixture>][] = [
  ['memory', async () => memoryFixture()],
  ['file', fileFixture],
  ['s3rver', s3rverFixture],
];

describe.each(fixtures)('partitions on %s', (_, start) => {
  let fixture: PortFixture;
  beforeAll(async () => {
    fixture = await start();
  });
  afterAll(() => fixture.stop());

  test('listing reads metadata-only records with a HEAD, others with a GET, and one that grew whole', async () => {
    const port = instrumented(await fixture.make());
    const db = await new Database({ storage: port }).connect();
    const r = await db.createResource({ name: 'notes', attributes: { title: 'string', text: 'string' } });
    const long = 'é'.repeat(3000);
    await r.insert({ id: 'a', title: 'short' });
    await r.insert({ id: 'b', title: 'long', text: long });
    await r.insert({ id: 'c', title: 'grows' });
    port.reset();
    expect(await r.query({}, { concurrency: 1 })).toEqual([
      { id: 'a', title: 'short' },
      { id: 'b', title: 'long', text: long },
      { id: 'c', title: 'grows' },
    ]);
    expect(port.usage().operations.head?.requests).toBe(2);
    expect(port.usage().operations.get?.requests).toBe(1);
    // "c" outgrows its metadata between the listing and its read: the HEAD sees it and a GET follows
    const head = port.head.bind(port);
    port.head = async (key, options) => {
      if (key.endsWith('id=c')) {
        port.head = head;
        await r.update('c', { text: long });
      }
      return head(key, options);
    };
    const page = await r.page({ size: 3, concurrency: 1 });
    expect(page.items.map((d) => d.text?.length ?? 0)).toEqual([0, 3000, 3000]);
  });

  test('entries are written with the record, moved on update, removed on replace and delete', async () => {
    const port = await fixture.make();
    const r = await people(port);
    await r.insert({ id: 'p1', name: 'A', country: 'US', city: 'New York' });
    expect(await entries(port, 'byCountry')).toEqual(['country=US/id=p1']);
    expect(await entries(port, 'byPlace')).toEqual(['country=US/city=New%20York/id=p1']);
    await r.update('p1', { country: 'USA' });
    expect(await entries(port, 'byCountry')).toEqual(['country=USA/id=p1']);
    await r.replace('p1', { name: 'A' });
    expect(await entries(port, 'byCountry')).toEqual([]);
    expect(await entries(port, 'byPlace')).toEqual([]);
    await r.update('p1', { country: 'FR', city: 'Paris' });
    await r.delete('p1');
    expect(await entries(port, 'byCountry')).toEqual([]);
    expect(await entries(port, 'byPlace')).toEqual([]);
  });

  test('values with "/", "=", "%" and unicode are escaped; US never matches USA', async () => {
    const port = await fixture.make();
    const r = await people(port);
    const odd = ['a/b', 'x=y', '100%', 'São Paulo', '東京', 'US', 'USA'];
    for (const [i, country] of odd.entries()) await r.insert({ id: `p${i}`, name: country, country });
    for (const country of odd) {
      const found = await r.query({ country });
      expect(found.map((d) => d.name)).toEqual([country]);
      expect(await r.count({ country })).toBe(1);
    }
    expect(await entries(port, 'byCountry')).toContain('country=a%2Fb/id=p0');
  });

  test('multi-field partitions answer a leading-field prefix and the full tuple', async () => {
    const port = await fixture.make();
    const r = await people(port);
    await r.insertMany([
      { name: 'a', country: 'FR', city: 'Paris' },
      { name: 'b', country: 'FR', city: 'Lyon' },
      { name: 'c', country: 'IT', city: 'Paris' },
    ]);
    expect((await r.query({ country: 'FR', city: 'Paris' })).map((d) => d.name)).toEqual(['a']);
    expect(await r.count({ country: 'FR', city: { in: ['Paris', 'Lyon'] } })).toBe(2);
    expect((await r.query({ city: 'Paris' })).map((d) => d.name).sort()).toEqual(['a', 'c']);
  });

  test('rebuildPartitions repairs missing and stale entries', async () => {
    const port = await fixture.make();
    const r = await people(port);
    await r.insert({ id: 'p1', name: 'A', country: 'DE', city: 'Berlin' });
    await r.insert({ id: 'p2', name: 'B', country: 'DE', city: 'Bonn' });
    await port.delete('resource=people/partition=byCountry/country=DE/id=p1');
    await port.put('resource=people/partition=byCountry/country=XX/id=p2', '');
    await port.put('resource=people/partition=byCountry/country=DE/id=ghost', '');
    await port.put('resource=people/partition=dropped/x=1/id=p1', '');
    expect(await r.rebuildPartitions()).toEqual({ records: 2, added: 1, removed: 3 });
    expect(await entries(port, 'byCountry')).toEqual(['country=DE/id=p1', 'country=DE/id=p2']);
    expect(await entries(port, 'dropped')).toEqual([]);
    expect(await r.rebuildPartitions()).toEqual({ records: 2, added: 0, removed: 0 });
  });

  test('a stale entry never yields a wrong record', async () => {
    const port = await fixture.make();
    const r = await people(port);
    await r.insert({ id: 'p1', name: 'A', country: 'DE' });
    await port.put('resource=people/partition=byCountry/country=FR/id=p1', '');
    expect(await r.query({ country: 'FR' })).toEqual([]);
  });
});

test('a partition query costs one LIST per 1,000 ids; count costs LISTs only', async () => {
  const port = instrumented(memoryStorage());
  const r = await people(port);
  await r.insertMany(
    Array.from({ length: 2600 }, (_, i) => ({
      name: `n${i}`,
      country: i % 2 === 0 ? 'PT' : i % 4 === 1 ? 'ES' : 'IT',
    })),
    { concurrency: 50 },
  );
  port.reset();
  expect(await r.count({ country: 'PT' })).toBe(1300);
  expect(port.usage().operations).toEqual({ list: expect.objectContaining({ requests: 2 }) });
  port.reset();
  const found = await r.query({ country: 'PT' }, { concurrency: 50 });
  expect(found).toHaveLength(1300);
  const ops = port.usage().operations;
  expect(ops.list?.requests).toBe(2);
  expect(ops.get?.requests).toBe(1300);
  expect(Object.keys(ops).sort()).toEqual(['get', 'list']);
  port.reset();
  // Without a partition the same filter must scan every record: one request each, a HEAD when the
  // listing shows that the record lives wholly in metadata.
  expect(await r.query({ name: 'n0' }, { concurrency: 50 })).toHaveLength(1);
  expect(port.usage().operations.head?.requests).toBe(2600);
  expect(port.usage().operations.get).toBeUndefined();
  expect(port.usage().operations.list?.requests).toBe(3);
});

test('requests per operation: insert 1 PUT, get 1 GET, exists 1 HEAD, update GET + PUT, count LIST only', async () => {
  const port = instrumented(memoryStorage());
  const db = await new Database({ storage: port }).connect();
  const r = await db.createResource({ name: 'ops', attributes: { n: 'number', tag: 'string' } });
  const requests = async (work: () => Promise<unknown>) => {
    port.reset();
    await work();
    return Object.fromEntries(Object.entries(port.usage().operations).map(([op, s]) => [op, s!.requests]));
  };
  expect(await requests(() => r.insert({ id: 'a', n: 1 }))).toEqual({ put: 1 });
  expect(await requests(() => r.get('a'))).toEqual({ get: 1 });
  expect(await requests(() => r.exists('a'))).toEqual({ head: 1 });
  expect(await requests(() => r.update('a', { n: 2 }))).toEqual({ get: 1, put: 1 });
  expect(await requests(() => r.count())).toEqual({ list: 1 });
});
