import { describe, expect, test } from 'vitest';
import { storedVersion } from '../../src/db/encoding/index.js';
import { CATALOG_KEY, Database } from '../../src/db/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage, type StoragePort } from '../../src/storage/index.js';

const ITERATIONS = 100_000;

async function raw(port: StoragePort, resource: string, id: string) {
  return (await port.head(`resource=${resource}/data/id=${id}`)).metadata;
}

async function catalog(port: StoragePort) {
  return JSON.parse(await (await port.get(CATALOG_KEY)).text());
}

describe('schema versions', () => {
  test('a changed definition is a new version; old records decode with their own map and migrate', async () => {
    const port = memoryStorage();
    const v1db = await new Database({ storage: port }).connect();
    const v1 = await v1db.createResource({
      name: 'people',
      attributes: { name: 'string|required', age: 'number' },
    });
    const old = await v1.insert({ name: 'Ada', age: 36 });
    expect(storedVersion(await raw(port, 'people', old.id))).toBe(v1.version);

    const v2db = await new Database({ storage: port }).connect();
    const seen: string[] = [];
    const v2 = await v2db.createResource({
      name: 'people',
      attributes: { fullName: 'string|required', age: 'number', email: 'string' },
      migrate: (record, from) => {
        seen.push(from);
        const { name, ...rest } = record;
        return { ...rest, fullName: name, email: null };
      },
    });
    expect(v2.version).not.toBe(v1.version);
    const fresh = await v2.insert({ fullName: 'Grace', email: 'g@example.com' });
    expect(storedVersion(await raw(port, 'people', fresh.id))).toBe(v2.version);
    expect(await v2.get(old.id)).toEqual({ id: old.id, fullName: 'Ada', age: 36, email: null });
    expect(seen).toEqual([v1.version]);
    expect(await v2.get(fresh.id)).toEqual(fresh);

    const stored = (await catalog(port)).resources.people;
    expect(Object.keys(stored.versions).sort()).toEqual([v1.version, v2.version].sort());
    expect(stored.current).toBe(v2.version);
    // Ids are append-only: the removed field keeps its id, the new ones get fresh ids.
    expect(stored.registry).toEqual({ name: '0', age: '1', fullName: '2', email: '3' });
    expect(stored.versions[v1.version].map).toEqual({ name: '0', age: '1' });

    // Updating an old record rewrites it with the current version.
    await v2.update(old.id, { age: 37 });
    expect(storedVersion(await raw(port, 'people', old.id))).toBe(v2.version);
    expect(await v2.get(old.id)).toEqual({ id: old.id, fullName: 'Ada', age: 37, email: null });
  });

  test('the same definition keeps its version; going back re-activates the old one', async () => {
    const port = memoryStorage();
    const db = await new Database({ storage: port }).connect();
    const a = await db.createResource({ name: 'r', attributes: { x: 'string' } });
    const again = await db.createResource({ name: 'r', attributes: { x: 'string' } });
    expect(again.version).toBe(a.version);
    const b = await db.createResource({ name: 'r', attributes: { x: 'string', y: 'number' } });
    const back = await db.createResource({ name: 'r', attributes: { x: 'string' } });
    expect(back.version).toBe(a.version);
    const stored = (await catalog(port)).resources.r;
    expect(Object.keys(stored.versions)).toHaveLength(2);
    expect(stored.current).toBe(a.version);
    expect(b.version).not.toBe(a.version);
  });

  test('a process reads records written by a version another process added after it connected', async () => {
    const port = memoryStorage();
    const a = await (await new Database({ storage: port }).connect()).createResource({
      name: 'r',
      attributes: { x: 'string' },
    });
    const b = await (await new Database({ storage: port }).connect()).createResource({
      name: 'r',
      attributes: { x: 'string', y: 'number' },
    });
    const doc = await b.insert({ x: 'new', y: 2 });
    expect(await a.get(doc.id)).toEqual(doc);
  });

  test('zod attributes are stored as JSON Schema and old versions still decode', async () => {
    const { z } = await import('zod');
    const port = memoryStorage();
    const db = await new Database({ storage: port }).connect();
    const r1 = await db.createResource({
      name: 'z',
      attributes: { n: z.number().int(), s: z.string().optional() },
    });
    const doc = await r1.insert({ n: 5, s: 'x' });
    const db2 = await new Database({ storage: port }).connect();
    const r2 = await db2.createResource({
      name: 'z',
      attributes: { n: z.number().int(), t: z.boolean().optional() },
    });
    expect(await r2.get(doc.id)).toEqual({ id: doc.id, n: 5, s: 'x' });
    expect(db2.resource('z').name).toBe('z');
  });
});

describe('secret fields', () => {
  const attributes = { name: 'string', token: 'secret' } as const;

  test('secret fields without a passphrase are refused at createResource', async () => {
    const db = await new Database({ storage: memoryStorage() }).connect();
    await expect(db.createResource({ name: 's', attributes })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('passphrase'),
    });
  });

  test('encrypted at rest; an unchanged secret is not re-encrypted on update', async () => {
    const port = memoryStorage();
    const db = await new Database({ storage: port, passphrase: 'p1', iterations: ITERATIONS }).connect();
    const s = await db.createResource({ name: 's', attributes });
    const doc = await s.insert({ name: 'a', token: 'hunter2' });
    const before = await raw(port, 's', doc.id);
    expect(JSON.stringify(before)).not.toContain('hunter2');
    expect((await s.get(doc.id)).token).toBe('hunter2');
    await s.update(doc.id, { name: 'b' });
    const after = await raw(port, 's', doc.id);
    const tokenKey = (await catalog(port)).resources.s.registry.token;
    expect(after[tokenKey]).toBe(before[tokenKey]);
    await s.update(doc.id, { token: 'hunter3' });
    expect((await raw(port, 's', doc.id))[tokenKey]).not.toBe(before[tokenKey]);
    expect((await s.get(doc.id)).token).toBe('hunter3');
  });

  test('a wrong passphrase is refused before anything is written', async () => {
    const port = memoryStorage();
    await new Database({ storage: port, passphrase: 'right', iterations: ITERATIONS }).connect();
    const err = await new Database({ storage: port, passphrase: 'wrong', iterations: ITERATIONS })
      .connect()
      .catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'AccessDenied')).toBe(true);
    expect((await catalog(port)).crypto.keyId).toBe('k1');
  });

  test('rotation: a new passphrase with the old one in previousPassphrases', async () => {
    const port = memoryStorage();
    const db1 = await new Database({ storage: port, passphrase: 'old', iterations: ITERATIONS }).connect();
    const s1 = await db1.createResource({ name: 's', attributes });
    const doc = await s1.insert({ name: 'a', token: 'before' });

    const db2 = await new Database({
      storage: port,
      passphrase: 'new',
      previousPassphrases: ['old'],
      iterations: ITERATIONS,
    }).connect();
    const keys = (await catalog(port)).crypto;
    expect(keys.keyId).toBe('k2');
    expect(keys.previous.map((p: { keyId: string }) => p.keyId)).toEqual(['k1']);
    const s2 = await db2.createResource({ name: 's', attributes });
    expect((await s2.get(doc.id)).token).toBe('before');
    const fresh = await s2.insert({ name: 'b', token: 'after' });

    // The old passphrase alone no longer opens the database; the new one does.
    await expect(
      new Database({ storage: port, passphrase: 'old', iterations: ITERATIONS }).connect(),
    ).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    const db3 = await new Database({
      storage: port,
      passphrase: 'new',
      previousPassphrases: ['old'],
    }).connect();
    const s3 = await db3.createResource({ name: 's', attributes });
    expect((await s3.get(fresh.id)).token).toBe('after');
    expect((await s3.get(doc.id)).token).toBe('before');
  });
});
