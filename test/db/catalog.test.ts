import { describe, expect, test } from 'vitest';
import { CATALOG_KEY, Database } from '../../src/db/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { logSink } from './ports.js';

async function seeded() {
  const port = memoryStorage();
  const db = await new Database({ storage: port }).connect();
  const users = await db.createResource({
    name: 'users',
    attributes: { name: 'string|required', age: 'number' },
    partitions: { byAge: ['age'] },
  });
  const ada = await users.insert({ name: 'Ada', age: 36 });
  await db.createResource({ name: 'orders', attributes: { total: 'number' } });
  return { port, id: ada.id };
}

async function catalogText(port: StoragePort) {
  return (await port.get(CATALOG_KEY)).text();
}

async function backups(port: StoragePort) {
  const out: string[] = [];
  for await (const e of port.list({ prefix: `${CATALOG_KEY}.backup.` }))
    if (e.type === 'object') out.push(e.key);
  return out;
}

async function reopen(port: StoragePort) {
  const sink = logSink();
  const db = await new Database({ storage: port, logger: sink.logger }).connect();
  return { db, sink };
}

describe('catalog', () => {
  test('keeps versioned definitions and the attribute-id registry', async () => {
    const { port } = await seeded();
    const catalog = JSON.parse(await catalogText(port));
    const users = catalog.resources.users;
    expect(Object.keys(users.versions)).toEqual([users.current]);
    expect(users.current).toMatch(/^[0-9a-f]{12}$/);
    expect(users.registry).toEqual({ name: '0', age: '1' });
    expect(users.versions[users.current].partitions).toEqual({ byAge: ['age'] });
    const { db } = await reopen(port);
    expect(db.resources()).toEqual(['orders', 'users']);
  });

  test('two processes creating resources at once lose none (compare-and-swap with retry)', async () => {
    const port = memoryStorage();
    const [a, b] = await Promise.all([
      new Database({ storage: port }).connect(),
      new Database({ storage: port }).connect(),
    ]);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => [
        a.createResource({ name: `a${i}`, attributes: { x: 'string' } }),
        b.createResource({ name: `b${i}`, attributes: { x: 'string' } }),
      ]).flat(),
    );
    const { db } = await reopen(port);
    expect(db.resources()).toHaveLength(20);
  });

  test('heals trailing commas, after writing a backup of the original', async () => {
    const { port, id } = await seeded();
    const original = (await catalogText(port)).replace(/"age"\n/g, '"age",\n').replace(/\n \}/g, ',\n }');
    expect(() => JSON.parse(original)).toThrow();
    await port.put(CATALOG_KEY, original);
    const { db, sink } = await reopen(port);
    const saved = await backups(port);
    expect(saved).toHaveLength(1);
    expect(await (await port.get(saved[0]!)).text()).toBe(original);
    expect(JSON.parse(await catalogText(port)).resources.users).toBeDefined();
    expect((await db.resource('users').get(id)).name).toBe('Ada');
    expect(sink.events.some((e) => e.level === 'warn' && /healed/.test(e.message))).toBe(true);
  });

  test('reads a catalog saved by an editor with a byte order mark in front', async () => {
    const { port, id } = await seeded();
    await port.put(CATALOG_KEY, `\uFEFF${await catalogText(port)}`);
    const { db } = await reopen(port);
    expect((await db.resource('users').get(id)).name).toBe('Ada');
  });

  test('heals a truncated catalog when the lost part held no records', async () => {
    const { port, id } = await seeded();
    const text = await catalogText(port);
    const truncated = text.slice(0, text.indexOf('"orders"') + 40);
    await port.put(CATALOG_KEY, truncated);
    const { db } = await reopen(port);
    expect(db.resources()).toEqual(['users']);
    expect((await db.resource('users').get(id)).age).toBe(36);
    expect(await backups(port)).toHaveLength(1);
  });

  test('a truncation that lost a resource holding records is Corrupt, and nothing is overwritten', async () => {
    const { port } = await seeded();
    const text = await catalogText(port);
    const truncated = text.slice(0, text.indexOf('"users"') + 30);
    await port.put(CATALOG_KEY, truncated);
    const err = await reopen(port).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    expect((err as BucketkitError).details.lost).toEqual(['users']);
    expect(await catalogText(port)).toBe(truncated);
    expect(await backups(port)).toHaveLength(1);
  });

  test('heals missing fields (registry, nextIndex, maps, behavior, updatedAt)', async () => {
    const { port, id } = await seeded();
    const catalog = JSON.parse(await catalogText(port));
    const users = catalog.resources.users;
    delete catalog.updatedAt;
    delete users.registry;
    delete users.nextIndex;
    delete users.versions[users.current].behavior;
    await port.put(CATALOG_KEY, JSON.stringify(catalog));
    const { db } = await reopen(port);
    const healed = JSON.parse(await catalogText(port)).resources.users;
    expect(healed.registry).toEqual({ name: '0', age: '1' });
    expect(healed.nextIndex).toBe(2);
    expect(healed.versions[healed.current].behavior).toBe('body-overflow');
    expect((await db.resource('users').get(id)).name).toBe('Ada');
  });

  test('heals a version pointer to nothing by pointing at the newest version', async () => {
    const { port, id } = await seeded();
    const catalog = JSON.parse(await catalogText(port));
    const current = catalog.resources.users.current;
    catalog.resources.users.current = 'f00f00f00f00';
    await port.put(CATALOG_KEY, JSON.stringify(catalog));
    const { db } = await reopen(port);
    expect(JSON.parse(await catalogText(port)).resources.users.current).toBe(current);
    expect((await db.resource('users').get(id)).name).toBe('Ada');
  });

  test.each([
    ['not JSON at all', (_: Record<string, unknown>) => 'hello, world'],
    [
      'a resource without versions',
      (c: Record<string, unknown>) => {
        delete (c.resources as Record<string, Record<string, unknown>>).users!.versions;
        return JSON.stringify(c);
      },
    ],
    [
      'a version without attributes',
      (c: Record<string, unknown>) => {
        const users = (c.resources as Record<string, Record<string, Record<string, Record<string, unknown>>>>)
          .users!;
        delete users.versions![users.current as unknown as string]!.attributes;
        return JSON.stringify(c);
      },
    ],
    ['an unknown format', (c: Record<string, unknown>) => JSON.stringify({ ...c, format: 9 })],
  ])('cannot heal %s: Corrupt', async (_, damage) => {
    const { port } = await seeded();
    await port.put(CATALOG_KEY, damage(JSON.parse(await catalogText(port))));
    const err = await reopen(port).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    expect((err as Error).message).toMatch(/cannot be healed/);
  });

  test('resource() of an unknown name is NotFound naming the known ones', async () => {
    const { port } = await seeded();
    const { db } = await reopen(port);
    const err = (() => {
      try {
        db.resource('nope');
      } catch (e) {
        return e;
      }
    })();
    expect(BucketkitError.is(err, 'NotFound')).toBe(true);
    expect((err as BucketkitError).details.known).toEqual(['users', 'orders']);
  });
});
