/**
 * The replicator on the file port and on Ceph RGW, to a real PostgreSQL 15, another Database and JSON
 * lines: tables made from the schema, upserts and deletes, retries and the failure log, and a writer
 * killed mid-way whose changes a second process finishes with nothing lost and nothing applied twice.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type Change,
  Database,
  databaseTarget,
  jsonLinesTarget,
  postgresTarget,
  type ReplicationTarget,
  readChangeLines,
  replicator,
} from '../../../src/db/index.js';
import { memoryStorage } from '../../../src/storage/index.js';
import { type PostgresServer, startPostgres } from '../../support/postgres.js';
import { onEachBackend } from './backends.js';
import { cephShared, exited, fileShared, startWorker } from './processes.js';

let postgres: PostgresServer;
let admin: pg.Pool;
let schemas = 0;
beforeAll(async () => {
  postgres = await startPostgres();
  admin = new pg.Pool({ connectionString: postgres.url, max: 2 });
  admin.on('error', () => {}); // a connection the stopping server closes before pool.end() reaches it
}, 120_000);
afterAll(async () => {
  await admin?.end();
  await postgres?.stop();
});

/** A fresh PostgreSQL schema and a connection string whose tables land in it. */
async function freshSchema(): Promise<{ schema: string; url: string }> {
  const schema = `s${schemas++}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  return { schema, url: `${postgres.url}?options=-c%20search_path%3D${schema}` };
}

const ATTRIBUTES = {
  name: 'string|required',
  age: 'integer',
  score: 'number',
  active: 'boolean',
  born: 'datetime',
  tags: 'array|items:string',
  profile: { city: 'string', zip: 'string' },
} as const;

onEachBackend('replicator', { file: fileShared, ceph: cephShared }, (env) => {
  test('inserts, updates and deletes reach PostgreSQL, another Database and JSON lines', async () => {
    const { port } = await env.ports.make();
    const { schema, url } = await freshSchema();
    const replica = await new Database({ storage: memoryStorage() }).connect();
    const lines = memoryStorage();
    const rep = replicator({
      targets: [postgresTarget({ connectionString: url }), databaseTarget(replica), jsonLinesTarget(lines)],
    });
    const db = await new Database({ storage: port, plugins: [rep] }).connect();
    env.cleanup.push(() => db.disconnect());
    const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
    const ada = await users.insert({
      name: 'Ada',
      age: 36,
      score: 9.5,
      active: true,
      born: '1815-12-10T00:00:00.000Z',
      tags: ['math', 'engines'],
      profile: { city: 'London' },
    });
    const bob = await users.insert({ id: 'bob', name: 'Bob' });
    const eve = await users.insert({ name: 'Eve', age: 20 });
    await users.update(ada.id, { score: 10, profile: { zip: 'N1' } });
    await users.upsert({ id: 'bob', name: 'Robert' });
    await users.delete(eve.id);
    expect(await rep.drain()).toEqual({ batches: 1, changes: 6, failed: 0, waiting: 0 });

    const columns = await admin.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' ORDER BY column_name`,
      [schema],
    );
    expect(Object.fromEntries(columns.rows.map((r) => [r.column_name, r.data_type]))).toEqual({
      id: 'text',
      name: 'text',
      age: 'bigint',
      score: 'double precision',
      active: 'boolean',
      born: 'timestamp with time zone',
      tags: 'jsonb',
      profile: 'jsonb',
    });
    const rows = await admin.query(`SELECT * FROM ${schema}.users ORDER BY name`);
    expect(rows.rows).toEqual([
      {
        id: ada.id,
        name: 'Ada',
        age: '36',
        score: 10,
        active: true,
        born: new Date('1815-12-10T00:00:00.000Z'),
        tags: ['math', 'engines'],
        profile: { city: 'London', zip: 'N1' },
      },
      {
        id: 'bob',
        name: 'Robert',
        age: null,
        score: null,
        active: null,
        born: null,
        tags: null,
        profile: null,
      },
    ]);

    const copy = replica.resource('users');
    expect(await copy.get(ada.id)).toEqual(await users.get(ada.id));
    expect(await copy.get(bob.id)).toEqual(await users.get(bob.id));
    expect(await copy.exists(eve.id)).toBe(false);

    const log = await readChangeLines(lines);
    expect(log.map((l) => [l.op, l.id])).toEqual([
      ['insert', ada.id],
      ['insert', 'bob'],
      ['insert', eve.id],
      ['update', ada.id],
      ['update', 'bob'],
      ['delete', eve.id],
    ]);
    expect(log[4]!.record).toEqual({ name: 'Robert' });

    // a new field becomes a new column; nothing left to drain drains nothing
    const grown = await db.createResource({ name: 'users', attributes: { ...ATTRIBUTES, nick: 'string' } });
    await grown.update('bob', { nick: 'bobby' });
    await rep.drain();
    expect((await admin.query(`SELECT nick FROM ${schema}.users WHERE id = 'bob'`)).rows).toEqual([
      { nick: 'bobby' },
    ]);
    expect(await rep.drain()).toEqual({ batches: 0, changes: 0, failed: 0, waiting: 0 });
  }, 120_000);

  test('a failing target is retried; what keeps failing goes to the failure log, the rest is applied', async () => {
    const { port } = await env.ports.make();
    const seen: string[] = [];
    let flaky = 2;
    const picky: ReplicationTarget = {
      name: 'picky',
      async apply(changes: readonly Change[]) {
        if (flaky-- > 0) throw new Error('connection reset');
        if (changes.some((c) => c.id === 'poison')) throw new Error('poison refused');
        for (const change of changes) seen.push(change.id);
      },
    };
    const rep = replicator({ targets: [picky], retryDelayMs: 1, attempts: 4 });
    const db = await new Database({ storage: port, plugins: [rep] }).connect();
    env.cleanup.push(() => db.disconnect());
    const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
    await users.insert({ id: 'a', name: 'A' });
    await users.insert({ id: 'poison', name: 'P' });
    await users.insert({ id: 'c', name: 'C' });
    const report = await rep.drain();
    expect(report).toEqual({ batches: 1, changes: 3, failed: 1, waiting: 0 });
    expect(seen).toEqual(['a', 'c']);
    const failures = await rep.failures().query({ target: 'picky' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      target: 'picky',
      resource: 'users',
      recordId: 'poison',
      op: 'insert',
      error: 'poison refused',
    });
    // the failure log itself is not replicated, and a failed write logs no change
    await users.insert({ id: 'a', name: 'again' }).catch(() => {});
    expect(await rep.drain()).toEqual({ batches: 0, changes: 0, failed: 0, waiting: 0 });
  }, 120_000);

  test('a drain that stopped between targets is finished without giving the first target the batch again', async () => {
    const { port } = await env.ports.make();
    const got: Record<string, string[]> = { first: [], second: [] };
    let hung = false;
    const target = (name: string, hang = false): ReplicationTarget => ({
      name,
      apply: (changes) => {
        if (hang) {
          hung = true; // the first target's progress is saved by now
          return new Promise<void>(() => {}); // the process dies here
        }
        got[name]!.push(...changes.map((c) => c.id));
        return Promise.resolve();
      },
    });
    const dying = replicator({ targets: [target('first'), target('second', true)] });
    const db = await new Database({ storage: port, plugins: [dying] }).connect();
    const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
    await users.insertMany([
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
    ]);
    void dying.drain();
    while (!hung) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got.first).toEqual(['a', 'b']);
    got.first = [];

    const rep = replicator({ targets: [target('first'), target('second')] });
    const next = await new Database({ storage: port, plugins: [rep] }).connect();
    env.cleanup.push(() => next.disconnect());
    await next.resource('users').insert({ id: 'c', name: 'C' });
    expect(await rep.drain()).toEqual({ batches: 2, changes: 3, failed: 0, waiting: 0 });
    expect(got).toEqual({ first: ['c'], second: ['a', 'b', 'c'] });
  }, 120_000);

  test('a writer killed mid-way: the next process finishes its changes, none lost, none applied twice', async () => {
    const { port, spec } = await env.ports.make();
    const { schema, url } = await freshSchema();
    // a row trigger counts every row PostgreSQL inserts or updates in the table
    await admin.query(`
      CREATE TABLE ${schema}.items (id text PRIMARY KEY, n bigint, label text, meta jsonb);
      CREATE TABLE ${schema}.history (id text NOT NULL);
      CREATE FUNCTION ${schema}.count_row() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO ${schema}.history VALUES (NEW.id); RETURN NULL; END $$;
      CREATE TRIGGER counted AFTER INSERT OR UPDATE ON ${schema}.items
        FOR EACH ROW EXECUTE FUNCTION ${schema}.count_row();`);
    const worker = startWorker('replicate-worker.ts', [JSON.stringify(spec), url]);
    const done = exited(worker);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await admin
        .query(`SELECT count(*)::int AS n FROM ${schema}.bucketkit_replication`)
        .catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0].n >= 40) break;
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error('the worker did not replicate');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    worker.kill('SIGKILL');
    await done;

    const rep = replicator({
      targets: [postgresTarget({ connectionString: url }), jsonLinesTarget(port, { prefix: 'lines/' })],
      orphanAfterMs: 0,
    });
    const db = await new Database({ storage: port, plugins: [rep] }).connect();
    env.cleanup.push(() => db.disconnect());
    const items = await db.createResource({
      name: 'items',
      attributes: { n: 'integer|required', label: 'string', meta: { step: 'number' } },
    });
    expect(await rep.drain()).toMatchObject({ failed: 0, waiting: 0 });

    const source = new Map<string, Record<string, unknown>>();
    for await (const item of items.list()) source.set(item.id, item);
    expect(source.size).toBeGreaterThan(10);
    const rows = await admin.query(`SELECT * FROM ${schema}.items`);
    expect(
      new Map(rows.rows.map((r) => [r.id, { id: r.id, n: Number(r.n), label: r.label, meta: r.meta }])),
    ).toEqual(source);

    // each batch writes a record's row once: as many row writes as (batch, record) pairs upserted
    const upserts = await admin.query(
      `SELECT count(DISTINCT (batch, record_id))::int AS n FROM ${schema}.bucketkit_replication WHERE action = 'upsert'`,
    );
    const written = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.history`);
    expect(written.rows[0].n).toBe(upserts.rows[0].n);
    expect(written.rows[0].n).toBeGreaterThan(10);

    const lines = await readChangeLines(port, 'lines/');
    expect(new Set(lines.map((l) => l.change)).size).toBe(lines.length);
    const last = new Map(lines.map((l) => [l.id, l]));
    for (const [id, line] of last) {
      if (source.has(id)) expect({ id, ...line.record }).toEqual(source.get(id));
      else expect(line.op).toBe('delete');
    }
    for (const id of source.keys()) expect(last.has(id)).toBe(true);
  }, 240_000);
});
