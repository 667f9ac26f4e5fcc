import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { Database } from '../../src/db/index.js';
import { BucketkitError } from '../../src/errors.js';
import { fileFixture, memoryFixture, type PortFixture, s3rverFixture } from './ports.js';

const fixtures: [string, () => Promise<PortFixture>][] = [
  ['memory', async () => memoryFixture()],
  ['file', fileFixture],
  ['s3rver', s3rverFixture],
];

const attributes = {
  name: 'string|required',
  email: 'string|email',
  age: 'number|min:0',
  tags: 'array|items:string',
  address: { city: 'string', country: 'string' },
} as const;

describe.each(fixtures)('resources on %s', (portName, start) => {
  let fixture: PortFixture;
  beforeAll(async () => {
    fixture = await start();
  });
  afterAll(() => fixture.stop());

  async function users() {
    const db = await new Database({ storage: await fixture.make() }).connect();
    return db.createResource({ name: 'users', attributes });
  }

  test('insert, get, exists, update (deep merge), replace, delete', async () => {
    const r = await users();
    const ada = await r.insert({
      name: 'Ada',
      age: 36,
      tags: ['math'],
      address: { city: 'London', country: 'UK' },
    });
    expect(ada.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await r.get(ada.id)).toEqual(ada);
    expect(await r.exists(ada.id)).toBe(true);
    const moved = await r.update(ada.id, { address: { city: 'Paris' } });
    expect(moved.address).toEqual({ city: 'Paris', country: 'UK' });
    expect(moved.tags).toEqual(['math']);
    const replaced = await r.replace(ada.id, { name: 'Ada L.' });
    expect(replaced).toEqual({ id: ada.id, name: 'Ada L.' });
    expect(await r.get(ada.id)).toEqual(replaced);
    expect(await r.delete(ada.id)).toBe(true);
    expect(await r.delete(ada.id)).toBe(false);
    expect(await r.exists(ada.id)).toBe(false);
    await expect(r.get(ada.id)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(r.update(ada.id, { age: 1 })).rejects.toMatchObject({ code: 'NotFound' });
  });

  test('insert is create-only; an id freed by delete can be inserted again', async () => {
    const r = await users();
    await r.insert({ id: 'ada', name: 'Ada' });
    const err = await r.insert({ id: 'ada', name: 'Other' }).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'PreconditionFailed')).toBe(true);
    expect((await r.get('ada')).name).toBe('Ada');
    await r.delete('ada');
    expect((await r.insert({ id: 'ada', name: 'Again' })).name).toBe('Again');
  });

  test('validation errors name the path', async () => {
    const r = await users();
    await expect(r.insert({ name: 'X', email: 'not-an-email' })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('email'),
    });
    const ok = await r.insert({ name: 'Y' });
    await expect(r.update(ok.id, { age: -1 })).rejects.toMatchObject({
      message: expect.stringContaining('age'),
    });
  });

  test.each([['a/b'], ['a\\b'], ['a=b'], ['a%b'], ['a\nb'], [''], ['x'.repeat(256)]])(
    'rejects the id %j',
    async (id) => {
      const r = await users();
      await expect(r.insert({ id, name: 'X' })).rejects.toMatchObject({ code: 'InvalidArgument' });
      await expect(r.get(id)).rejects.toMatchObject({ code: 'InvalidArgument' });
    },
  );

  // Known s3rver defect: it stores each key as a file name, and 255-byte names plus its suffix exceed
  // the file system's limit (ENAMETOOLONG → 500). Real S3 and the other adapters take them.
  test.skipIf(portName === 's3rver')('accepts unicode ids up to 255 bytes', async () => {
    const r = await users();
    const id = `é${'x'.repeat(253)}`;
    await r.insert({ id, name: 'Unicode' });
    expect((await r.get(id)).name).toBe('Unicode');
  });

  test('upsert inserts then merges; insertMany, getMany, deleteMany', async () => {
    const r = await users();
    await r.upsert({ id: 'u1', name: 'One', age: 1 });
    await r.upsert({ id: 'u1', name: 'One!' });
    expect(await r.get('u1')).toMatchObject({ name: 'One!', age: 1 });
    const many = await r.insertMany([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const got = await r.getMany([many[0]!.id, 'missing', many[2]!.id]);
    expect(got.map((d) => d?.name)).toEqual(['a', undefined, 'c']);
    expect(await r.deleteMany([many[0]!.id, many[1]!.id, 'missing'])).toEqual({ deleted: 2 });
    expect(await r.count()).toBe(2);
  });

  test('list, listIds, count, page with cursors', async () => {
    const r = await users();
    await r.insertMany(
      Array.from({ length: 25 }, (_, i) => ({ id: `id${String(i).padStart(2, '0')}`, name: `n${i}` })),
    );
    await r.delete('id03');
    const ids: string[] = [];
    for await (const id of r.listIds()) ids.push(id);
    expect(ids).toHaveLength(24);
    expect(ids).not.toContain('id03');
    const names: string[] = [];
    for await (const doc of r.list()) names.push(doc.name);
    expect(names).toHaveLength(24);
    expect(await r.count()).toBe(24);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await r.page({ size: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  test('query: equality, in, ranges and nested paths', async () => {
    const r = await users();
    await r.insertMany([
      { name: 'a', age: 10, address: { city: 'Paris', country: 'FR' } },
      { name: 'b', age: 20, address: { city: 'Lyon', country: 'FR' } },
      { name: 'c', age: 30, address: { city: 'Rome', country: 'IT' } },
    ]);
    const names = async (filter: Record<string, unknown>) =>
      (await r.query(filter)).map((d) => d.name).sort();
    expect(await names({ 'address.country': 'FR' })).toEqual(['a', 'b']);
    expect(await names({ name: { in: ['a', 'c', 'z'] } })).toEqual(['a', 'c']);
    expect(await names({ age: { gte: 20 } })).toEqual(['b', 'c']);
    expect(await names({ age: { gt: 10, lt: 30 } })).toEqual(['b']);
    expect(await names({ 'address.country': 'FR', age: { lte: 10 } })).toEqual(['a']);
    expect(await names({ age: { ne: 20 } })).toEqual(['a', 'c']);
    expect(await r.query({ 'address.country': 'FR' }, { limit: 1 })).toHaveLength(1);
    expect(await r.count({ age: { gte: 20 } })).toBe(2);
  });

  test('binary content lives at its own key, beside any body', async () => {
    const db = await new Database({ storage: await fixture.make() }).connect();
    const docs = await db.createResource({
      name: 'docs',
      attributes: { title: 'string', text: 'string' },
      behavior: 'body-only',
    });
    const doc = await docs.insert({ title: 'T', text: 'é'.repeat(3000) });
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    await docs.setContent(doc.id, bytes, { contentType: 'application/octet-stream' });
    const content = await docs.getContent(doc.id);
    expect(content.contentType).toBe('application/octet-stream');
    expect(await content.bytes()).toEqual(bytes);
    expect((await docs.get(doc.id)).text).toBe('é'.repeat(3000));
    expect(await (await docs.getContent(doc.id, { range: { start: 10, end: 12 } })).bytes()).toEqual(
      bytes.slice(10, 13),
    );
    await expect(docs.setContent('missing', bytes)).rejects.toMatchObject({ code: 'NotFound' });
    await docs.delete(doc.id);
    await expect(docs.getContent(doc.id)).rejects.toMatchObject({ code: 'NotFound' });
  });
});

test('list pages past 1,000 records', async () => {
  const db = await new Database({ storage: await memoryFixture().make() }).connect();
  const r = await db.createResource({ name: 'many', attributes: { n: 'number' } });
  await r.insertMany(
    Array.from({ length: 1234 }, (_, n) => ({ n })),
    { concurrency: 50 },
  );
  let seen = 0;
  for await (const _ of r.list({ concurrency: 50 })) seen++;
  expect(seen).toBe(1234);
  expect(await r.count()).toBe(1234);
});

test('record types are inferred from the schema', async () => {
  const db = await new Database({ storage: await memoryFixture().make() }).connect();
  const r = await db.createResource({ name: 'typed', attributes });
  const doc = await r.insert({ name: 'Ada' });
  expectTypeOf(doc.name).toEqualTypeOf<string>();
  expectTypeOf(doc.id).toEqualTypeOf<string>();
  expectTypeOf(doc.age).toEqualTypeOf<number | null | undefined>();
  expectTypeOf(doc.tags).toEqualTypeOf<string[] | null | undefined>();
  // @ts-expect-error name is required
  await r.insert({ age: 3 }).catch(() => {});
});

test('a connection string opens the port; aborted calls reject with Aborted', async () => {
  const db = await new Database({ connectionString: `memory://db-test-${Date.now()}` }).connect();
  const r = await db.createResource({ name: 'things', attributes: { n: 'number' } });
  const doc = await r.insert({ n: 1 });
  const controller = new AbortController();
  controller.abort();
  await expect(r.get(doc.id, { signal: controller.signal })).rejects.toMatchObject({ code: 'Aborted' });
  await expect(r.update(doc.id, { n: 2 }, { signal: controller.signal })).rejects.toMatchObject({
    code: 'Aborted',
  });
  await expect(r.query({ n: 1 }, { signal: controller.signal })).rejects.toMatchObject({ code: 'Aborted' });
  expect((await r.get(doc.id)).n).toBe(1);
  expect(() => new Database({})).toThrow(/storage port or a connectionString/);
});

test('user-managed resources report records over the limit with their id', async () => {
  const db = await new Database({ storage: await memoryFixture().make() }).connect();
  const reports: { id: string; excess: number }[] = [];
  const r = await db.createResource({
    name: 'big',
    attributes: { text: 'string' },
    behavior: 'user-managed',
    onExceedsLimit: (info) => void reports.push(info),
  });
  const small = await r.insert({ text: 'fits' });
  const big = await r.insert({ id: 'big1', text: 'ü'.repeat(1500) });
  expect(reports.map((x) => x.id)).toEqual(['big1']);
  expect(reports[0]!.excess).toBeGreaterThan(0);
  expect(await r.get(big.id)).toEqual(big);
  expect(await r.get(small.id)).toEqual(small);
});
