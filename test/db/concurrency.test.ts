import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../src/db/index.js';
import { BucketkitError } from '../../src/errors.js';
import type { StoragePort } from '../../src/storage/index.js';
import { cephFixture, fileFixture, logSink, type PortFixture, s3rverFixture } from './ports.js';

const conditional: [string, () => Promise<PortFixture>][] = [
  ['file', fileFixture],
  ['ceph-rgw', cephFixture],
];

describe.each(conditional)('concurrency on %s', (_, start) => {
  let fixture: PortFixture;
  beforeAll(async () => {
    fixture = await start();
  });
  afterAll(() => fixture.stop());

  async function counters(count = 4) {
    const port = await fixture.make();
    const first = await new Database({ storage: port }).connect();
    await first.createResource({ name: 'counters', attributes: { n: 'number|required', note: 'string' } });
    // Several databases on one port, as separate processes would be.
    const dbs = [
      first,
      ...(await Promise.all(
        Array.from({ length: count - 1 }, () => new Database({ storage: port }).connect()),
      )),
    ];
    return dbs.map((db) => db.resource<{ n: number; note?: string | null }>('counters'));
  }

  test('20 concurrent increments give the exact count (compare-and-swap with retry)', async () => {
    const resources = await counters();
    await resources[0]!.insert({ id: 'c', n: 0 });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        resources[i % resources.length]!.update('c', (cur) => ({ n: cur.n + 1 }), { retries: 200 }),
      ),
    );
    expect((await resources[0]!.get('c')).n).toBe(20);
  });

  test('a lost race without retries is PreconditionFailed, and the winner is kept', async () => {
    const [a, b] = await counters(2);
    await a!.insert({ id: 'c', n: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a! : b!).update('c', (cur) => ({ n: cur.n + 1 }), { retries: 0 }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled').length;
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toBeGreaterThan(0);
    for (const r of lost)
      expect(BucketkitError.is((r as PromiseRejectedResult).reason, 'PreconditionFailed')).toBe(true);
    expect((await a!.get('c')).n).toBe(won);
  });

  test('records with a body round-trip; a deleted one stays deleted', async () => {
    const db = await new Database({ storage: await fixture.make() }).connect();
    const docs = await db.createResource({
      name: 'docs',
      attributes: { n: 'number|required', text: 'string' },
    });
    const doc = await docs.insert({ n: 1, text: 'é'.repeat(2000) });
    expect(await docs.get(doc.id)).toEqual(doc);
    await docs.delete(doc.id);
    expect(await docs.exists(doc.id)).toBe(false);
    expect(await docs.count()).toBe(0);
    await expect(docs.get(doc.id)).rejects.toMatchObject({ code: 'NotFound' });
  });

  test('concurrent moves between partitions never leave the record unindexed', async () => {
    // Slow deletes widen the window in which a writer removes an entry another writer still needs.
    const port = slowDeletes(await fixture.make());
    const dbs = await Promise.all([1, 2, 3].map(() => new Database({ storage: port }).connect()));
    const definition = {
      name: 'moves',
      attributes: { country: 'string', n: 'number' },
      partitions: { byCountry: ['country'] },
    } as const;
    const [a, b, c] = await Promise.all(dbs.map((db) => db.createResource(definition)));
    await a!.insert({ id: 'm', country: 'A', n: 0 });
    const values = ['A', 'B', 'C'];
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          [a!, b!, c!][i % 3]!.update('m', { country: values[(i + round) % 3]!, n: i }, { retries: 200 }),
        ),
      );
      const final = (await a!.get('m')).country!;
      expect((await a!.query({ country: final })).map((d) => d.id)).toEqual(['m']);
    }
    expect((await a!.rebuildPartitions()).added).toBe(0);
  });

  test('concurrent inserts of one id: exactly one wins', async () => {
    const resources = await counters();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => resources[i % resources.length]!.insert({ id: 'same', n: i })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ n: number }>)
      .value;
    expect((await resources[0]!.get('same')).n).toBe(winner.n);
  });

  test('a delete racing updates never resurrects the record nor loses an acknowledged update', async () => {
    const [a, b] = await counters(2);
    await a!.insert({ id: 'c', n: 0 });
    const updates = Array.from({ length: 6 }, () =>
      b!
        .update('c', (cur) => ({ n: cur.n + 1 }), { retries: 50 })
        .then(
          () => 'updated',
          (err: unknown) => (BucketkitError.is(err, 'NotFound') ? 'gone' : Promise.reject(err)),
        ),
    );
    const deleted = a!.delete('c', { retries: 50 });
    await Promise.all(updates);
    expect(await deleted).toBe(true);
    expect(await a!.exists('c')).toBe(false);
  });
});

test('without conditional writes (s3rver) the database says so: warning and guarantees', async () => {
  const fixture = await s3rverFixture();
  try {
    const sink = logSink();
    const db = await new Database({ storage: await fixture.make(), logger: sink.logger }).connect();
    expect(db.guarantees).toMatchObject({
      conditionalWrites: false,
      createOnlyInsert: false,
      compareAndSwap: false,
    });
    expect(db.guarantees.notes[0]).toMatch(/does not enforce conditional writes/);
    expect(sink.events.filter((e) => e.level === 'warn').map((e) => e.message)).toContain(
      db.guarantees.notes[0],
    );
    const r = await db.createResource({ name: 'counters', attributes: { n: 'number|required' } });
    await r.insert({ id: 'c', n: 0 });
    await expect(r.insert({ id: 'c', n: 1 })).rejects.toMatchObject({ code: 'PreconditionFailed' });
    expect((await r.update('c', (cur) => ({ n: cur.n + 1 }))).n).toBe(1);
  } finally {
    await fixture.stop();
  }
});

test('with conditional writes the guarantees hold', async () => {
  const fixture = await fileFixture();
  try {
    const db = await new Database({ storage: await fixture.make() }).connect();
    expect(db.guarantees).toEqual({
      conditionalWrites: true,
      createOnlyInsert: true,
      compareAndSwap: true,
      notes: [],
    });
  } finally {
    await fixture.stop();
  }
});

function slowDeletes(port: StoragePort): StoragePort {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 30));
  return {
    name: port.name,
    capabilities: (o) => port.capabilities(o),
    put: (k, b, o) => port.put(k, b, o),
    get: (k, o) => port.get(k, o),
    head: (k, o) => port.head(k, o),
    list: (o) => port.list(o),
    copy: (s, d, o) => port.copy(s, d, o),
    delete: async (k, o) => {
      await pause();
      return port.delete(k, o);
    },
    deleteMany: async (keys, o) => {
      await pause();
      return port.deleteMany(keys, o);
    },
  };
}
