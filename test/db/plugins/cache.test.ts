/**
 * The cache plugin on the file port and on Ceph RGW: hits make no storage request and give the caller
 * its own copy; writes of this process show at once, another process's after the TTL (a test clock);
 * LRU by bytes; plugin resources skipped unless included; entries on a folder, gzipped, shared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog, Database } from '../../../src/db/index.js';
import { cache } from '../../../src/db/plugins/cache.js';
import { fileStorage, instrumented, type StoragePort } from '../../../src/storage/index.js';
import { cephFixture, fileFixture, type PortFixture } from '../ports.js';

const ATTRIBUTES = { name: 'string|required', country: 'string' } as const;

describe.each([
  ['file', fileFixture],
  ['ceph-rgw', cephFixture],
] as const)('cache on %s', (_name, fixture) => {
  let ports: PortFixture;
  const opened: { disconnect(): Promise<void> }[] = [];
  const closers: StoragePort[] = [];
  beforeAll(async () => {
    ports = await fixture();
  });
  afterAll(async () => {
    for (const db of opened) await db.disconnect();
    for (const port of closers) await port.close?.();
    await ports.stop();
  });
  const open = async (port: StoragePort, plugins: Parameters<typeof cache>[0][] = [{}], extra = []) => {
    const db = await new Database({
      storage: port,
      plugins: [...plugins.map((o) => cache(o)), ...extra],
    }).connect();
    opened.push(db);
    return db;
  };

  test('a hit makes no request and returns a copy; this process sees its writes at once', async () => {
    const port = instrumented(await ports.make());
    closers.push(port);
    const db = await open(port);
    const users = await db.createResource({
      name: 'users',
      attributes: ATTRIBUTES,
      partitions: { byCountry: ['country'] },
    });
    const ada = await users.insert({ name: 'Ada', country: 'UK' });
    await users.get(ada.id);
    expect((await users.query({ country: 'UK' })).map((u) => u.name)).toEqual(['Ada']);
    expect(await users.count()).toBe(1);
    port.reset();
    const hit = await users.get(ada.id);
    expect(hit).toEqual(ada);
    hit.name = 'changed by the caller';
    expect((await users.get(ada.id)).name).toBe('Ada');
    expect((await users.query({ country: 'UK' })).map((u) => u.name)).toEqual(['Ada']);
    expect(await users.count()).toBe(1);
    expect(port.usage().requests).toBe(0);

    await users.update(ada.id, { name: 'Ada L.' });
    await users.insert({ name: 'Alan', country: 'UK' });
    expect((await users.get(ada.id)).name).toBe('Ada L.');
    expect((await users.query({ country: 'UK' })).map((u) => u.name).sort()).toEqual(['Ada L.', 'Alan']);
    expect(await users.count()).toBe(2);
    await users.delete(ada.id);
    expect(await users.exists(ada.id)).toBe(false);
    expect(await users.get(ada.id).catch((e) => e.code)).toBe('NotFound');
  });

  test('a field named "signal" in a filter is part of the key; an AbortSignal option is not', async () => {
    const port = instrumented(await ports.make());
    closers.push(port);
    const db = await open(port);
    const alarms = await db.createResource({
      name: 'alarms',
      attributes: { name: 'string|required', signal: 'string' },
    });
    await alarms.insert({ name: 'smoke', signal: 'red' });
    await alarms.insert({ name: 'door', signal: 'green' });
    expect((await alarms.query({ signal: 'red' })).map((a) => a.name)).toEqual(['smoke']);
    expect((await alarms.query({ signal: 'green' })).map((a) => a.name)).toEqual(['door']);
    port.reset();
    const { signal } = new AbortController();
    expect((await alarms.query({ signal: 'red' }, { signal })).map((a) => a.name)).toEqual(['smoke']);
    expect(port.usage().requests).toBe(0);
  });

  test("another process's writes show once the TTL has passed", async () => {
    const port = await ports.make();
    closers.push(port);
    let clock = 1_000;
    const reader = await open(port, [{ ttl: 5_000, now: () => clock }]);
    const writer = await open(port, []);
    const users = await reader.createResource({ name: 'users', attributes: ATTRIBUTES });
    const theirs = await writer.createResource({ name: 'users', attributes: ATTRIBUTES });
    const ada = await users.insert({ name: 'Ada' });
    expect((await users.get(ada.id)).name).toBe('Ada');
    await theirs.update(ada.id, { name: 'Ada (theirs)' });
    clock += 4_999;
    expect((await users.get(ada.id)).name).toBe('Ada');
    clock += 1;
    expect((await users.get(ada.id)).name).toBe('Ada (theirs)');
  });

  test('evicts the least recently used entries past its byte budget', async () => {
    const port = instrumented(await ports.make());
    closers.push(port);
    const plugin = cache({ maxBytes: 4_000 });
    const db = await new Database({ storage: port, plugins: [plugin] }).connect();
    opened.push(db);
    const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await users.insert({ name: `user ${i} ${'x'.repeat(100)}` })).id);
    for (const id of ids) await users.get(id);
    expect(plugin.stats().bytes).toBeLessThanOrEqual(4_000);
    expect(plugin.stats().entries).toBeLessThan(12);
    port.reset();
    await users.get(ids[11]!); // the newest: kept
    expect(port.usage().requests).toBe(0);
    await users.get(ids[0]!); // the oldest: evicted
    expect(port.usage().requests).toBeGreaterThan(0);
  });

  test('skips resources created by plugins unless included', async () => {
    for (const [include, cachedAudit] of [
      [[], false],
      [['audit'], true],
    ] as const) {
      const port = instrumented(await ports.make());
      closers.push(port);
      const db = await open(port, [{ include }], [auditLog()] as never[]);
      const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
      const ada = await users.insert({ name: 'Ada' });
      const audit = db.resource('audit');
      await audit.query({ resource: 'users' });
      port.reset();
      expect(await audit.query({ resource: 'users' })).toHaveLength(1);
      expect(port.usage().requests === 0).toBe(cachedAudit);
      expect(db.createdBy('audit')).toBe('audit-log');
      expect(db.createdBy('users')).toBeUndefined();
      expect((await users.get(ada.id)).name).toBe('Ada');
    }
  });

  test('on a folder: entries gzipped, shared by two processes, invalidated by the writer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-db-cache-'));
    try {
      const data = instrumented(await ports.make());
      closers.push(data);
      const first = await open(data, [{ store: fileStorage(dir, { durable: false }) }]);
      const users = await first.createResource({ name: 'users', attributes: ATTRIBUTES });
      const ada = await users.insert({ name: 'Ada' });
      await users.get(ada.id);
      const folder = fileStorage(dir);
      const keys: string[] = [];
      for await (const entry of folder.list({ prefix: 'cache/' }))
        if (entry.type === 'object') keys.push(entry.key);
      expect(keys.length).toBeGreaterThan(0);
      const bytes = await (await folder.get(keys[0]!)).bytes();
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip

      const second = await open(data, [{ store: fileStorage(dir, { durable: false }) }]);
      const theirs = second.resource('users');
      data.reset();
      expect((await theirs.get(ada.id)).name).toBe('Ada');
      expect(data.usage().operations.get).toBeUndefined(); // served from the folder
      await users.update(ada.id, { name: 'Ada L.' });
      expect((await users.get(ada.id)).name).toBe('Ada L.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
