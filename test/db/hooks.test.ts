import { describe, expect, test } from 'vitest';
import { auditLog, Database, type Plugin, sortableId } from '../../src/db/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/index.js';

const attributes = { name: 'string|required', email: 'string', score: 'number' } as const;

async function open(plugins: Plugin[] = []) {
  return new Database({ storage: memoryStorage(), plugins }).connect();
}

describe('hooks', () => {
  test('before hooks transform or reject; after hooks transform the result', async () => {
    const db = await open();
    const calls: string[] = [];
    const r = await db.createResource({
      name: 'users',
      attributes,
      hooks: {
        beforeInsert: async (doc) => ({ ...doc, email: doc.email?.toLowerCase() ?? null }),
        afterInsert: (doc) => {
          calls.push(`afterInsert:${doc.id}`);
          return undefined;
        },
        beforeUpdate: [
          (doc) => {
            if ((doc.score ?? 0) < 0) throw new Error('score must not go below zero');
            return undefined;
          },
        ],
        afterGet: (doc) => ({ ...doc, name: doc.name.toUpperCase() }),
        beforeDelete: (doc, ctx) => {
          if (doc.name === 'keep') throw new Error(`refusing to delete ${ctx.id}`);
          return undefined;
        },
        afterDelete: (doc) => {
          calls.push(`afterDelete:${doc.id}`);
          return undefined;
        },
      },
    });
    const a = await r.insert({ id: 'a', name: 'ada', email: 'ADA@EXAMPLE.COM' });
    expect(a.email).toBe('ada@example.com');
    expect((await r.get('a')).name).toBe('ADA');
    await expect(r.update('a', { score: -1 })).rejects.toThrow('below zero');
    expect((await r.get('a')).score).toBeUndefined();
    await r.insert({ id: 'k', name: 'keep' });
    await expect(r.delete('k')).rejects.toThrow('refusing');
    expect(await r.exists('k')).toBe(true);
    await r.delete('a');
    expect(calls).toEqual(['afterInsert:a', 'afterInsert:k', 'afterDelete:a']);
  });

  test('beforeUpdate sees the previous record; addHook returns a remover', async () => {
    const db = await open();
    const r = await db.createResource({ name: 'users', attributes });
    const previous: unknown[] = [];
    const remove = r.addHook('beforeUpdate', (_doc, ctx) => {
      previous.push(ctx.previous);
      return undefined;
    });
    const doc = await r.insert({ name: 'a', score: 1 });
    await r.update(doc.id, { score: 2 });
    remove();
    await r.update(doc.id, { score: 3 });
    expect(previous).toEqual([{ id: doc.id, name: 'a', score: 1 }]);
  });

  test('middleware wraps methods and may change arguments and results', async () => {
    const db = await open();
    const r = await db.createResource({ name: 'users', attributes });
    const log: string[] = [];
    r.use('insert', async (ctx, next) => {
      log.push(`before ${ctx.method}`);
      ctx.args[0] = { ...(ctx.args[0] as object), score: 42 };
      const result = await next();
      log.push('after');
      return result;
    });
    db.useMiddleware('count', async () => -1);
    const doc = await r.insert({ name: 'x' });
    expect(doc.score).toBe(42);
    expect(log).toEqual(['before insert', 'after']);
    expect(await r.count()).toBe(-1);
  });
});

test('timestamps: createdAt kept, updatedAt moves; they cannot be attributes', async () => {
  const db = await open();
  const r = await db.createResource({ name: 'posts', attributes: { title: 'string' }, timestamps: true });
  const doc = await r.insert({ title: 'a' });
  expect(Date.parse(doc.createdAt!)).toBeGreaterThan(0);
  expect(doc.updatedAt).toBe(doc.createdAt);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = await r.update(doc.id, { title: 'b' });
  expect(later.createdAt).toBe(doc.createdAt);
  expect(later.updatedAt! > doc.updatedAt!).toBe(true);
  const replaced = await r.replace(doc.id, { title: 'c' });
  expect(replaced.createdAt).toBe(doc.createdAt);
  await expect(db.createResource({ name: 'bad', attributes: { createdAt: 'string' } })).rejects.toMatchObject(
    {
      code: 'InvalidArgument',
    },
  );
});

test('paranoid: delete moves to the trash; restore and purge', async () => {
  const db = await open();
  const r = await db.createResource({
    name: 'notes',
    attributes: { text: 'string', tag: 'string' },
    partitions: { byTag: ['tag'] },
    paranoid: true,
  });
  const doc = await r.insert({ id: 'n1', text: 'hello', tag: 't' });
  await r.setContent('n1', 'attached');
  await r.delete('n1');
  expect(await r.exists('n1')).toBe(false);
  expect(await r.query({ tag: 't' })).toEqual([]);
  const trash: string[] = [];
  for await (const id of r.deleted()) trash.push(id);
  expect(trash).toEqual(['n1']);
  expect(await r.restore('n1')).toEqual(doc);
  expect(await r.query({ tag: 't' })).toEqual([doc]);
  expect(await (await r.getContent('n1')).text()).toBe('attached');
  await r.delete('n1');
  await r.purge('n1');
  await expect(r.restore('n1')).rejects.toMatchObject({ code: 'NotFound' });
});

test('pluggable id generators', async () => {
  const db = await open();
  let n = 0;
  const seq = await db.createResource({ name: 'seq', attributes, idGenerator: async () => `u${++n}` });
  expect((await seq.insert({ name: 'a' })).id).toBe('u1');
  const sorted = await db.createResource({ name: 'sorted', attributes, idGenerator: sortableId });
  const first = await sorted.insert({ name: 'a' });
  await new Promise((resolve) => setTimeout(resolve, 3));
  const second = await sorted.insert({ name: 'b' });
  expect(first.id < second.id).toBe(true);
  const bad = await db.createResource({ name: 'bad', attributes, idGenerator: () => 'a/b' });
  await expect(bad.insert({ name: 'x' })).rejects.toMatchObject({ code: 'InvalidArgument' });
});

describe('streams', () => {
  test('stream() reads every record with bounded concurrency; readable() is a web stream', async () => {
    const port = memoryStorage();
    const db = await new Database({ storage: port }).connect();
    const r = await db.createResource({ name: 's', attributes: { n: 'number' } });
    await r.insertMany(
      Array.from({ length: 250 }, (_, n) => ({ n })),
      { concurrency: 20 },
    );
    let inflight = 0;
    let peak = 0;
    const counted =
      <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        inflight++;
        peak = Math.max(peak, inflight);
        try {
          // a little latency, as a real server has: reads that may overlap then do
          await new Promise((resolve) => setTimeout(resolve, 1));
          return await read(...args);
        } finally {
          inflight--;
        }
      };
    // records that live in metadata are read with a HEAD, the others with a GET
    port.get = counted(port.get.bind(port));
    port.head = counted(port.head.bind(port));
    const seen: number[] = [];
    for await (const doc of r.stream({ concurrency: 7 })) seen.push(doc.n!);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, n) => n));
    expect(peak).toBeLessThanOrEqual(7);
    expect(peak).toBeGreaterThan(1);
    const reader = r.readable({ filter: { n: { lt: 10 } } }).getReader();
    let count = 0;
    for (let next = await reader.read(); !next.done; next = await reader.read()) count++;
    expect(count).toBe(10);
  });

  test('writer(): write() waits for room (backpressure); close() reports the count; errors surface', async () => {
    const db = await open();
    const r = await db.createResource({ name: 'w', attributes: { n: 'number|required' } });
    let inflight = 0;
    let peak = 0;
    r.use('insert', async (_ctx, next) => {
      inflight++;
      peak = Math.max(peak, inflight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        return await next();
      } finally {
        inflight--;
      }
    });
    const writer = r.writer({ concurrency: 4 });
    for (let n = 0; n < 40; n++) {
      await writer.write({ n });
      expect(inflight).toBeLessThan(4);
    }
    expect(await writer.close()).toEqual({ written: 40 });
    expect(peak).toBe(4);
    expect(await r.count()).toBe(40);

    const failing = r.writer({ concurrency: 2 });
    await failing.write({ id: 'dup', n: 1 });
    await failing.write({ id: 'dup', n: 2 });
    const err = await failing.close().catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'PreconditionFailed')).toBe(true);

    const stream = r.writer({ concurrency: 3 }).writable();
    const w = stream.getWriter();
    for (let n = 100; n < 110; n++) await w.write({ n });
    await w.close();
    expect(await r.count()).toBe(51);
  });
});

describe('plugins', () => {
  test('the audit-log plugin records who/what/when with before and after', async () => {
    let actor = 'alice';
    const audit = auditLog({ actor: () => actor });
    const db = await open([audit]);
    const users = await db.createResource({ name: 'users', attributes });
    const doc = await users.insert({ name: 'Ada', score: 1 });
    actor = 'bob';
    await users.update(doc.id, { score: 2 });
    await users.delete(doc.id);
    const entries = (await audit.entries().query({ resource: 'users' })) as unknown as {
      action: string;
      who: string;
      recordId: string;
      before: unknown;
      after: unknown;
      at: string;
    }[];
    entries.sort((a, b) => a.at.localeCompare(b.at) || order(a.action) - order(b.action));
    expect(entries.map((e) => [e.action, e.who, e.recordId])).toEqual([
      ['insert', 'alice', doc.id],
      ['update', 'bob', doc.id],
      ['delete', 'bob', doc.id],
    ]);
    expect(entries[1]!.before).toMatchObject({ score: 1 });
    expect(entries[1]!.after).toMatchObject({ score: 2 });
    expect(entries[2]!.after).toBeNull();
    expect(db.resources()).toEqual(['audit', 'users']);

    await db.disconnect();
    await users.insert({ name: 'not audited' });
    expect(await db.resource('audit').count({ resource: 'users' })).toBe(3);
  });

  test('a plugin can wrap methods of every resource', async () => {
    const seen: string[] = [];
    const plugin: Plugin = {
      name: 'tracer',
      setup(db) {
        db.useMiddleware('get', async (ctx, next) => {
          seen.push(`${ctx.resource}.get(${String(ctx.args[0])})`);
          return next();
        });
      },
    };
    const db = await open([plugin]);
    const r = await db.createResource({ name: 'things', attributes });
    await r.insert({ id: 't1', name: 'x' });
    await r.get('t1');
    expect(seen).toEqual(['things.get(t1)']);
  });
});

function order(action: string) {
  return ['insert', 'update', 'delete'].indexOf(action);
}
