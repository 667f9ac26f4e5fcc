/**
 * The replicator's rows: what logging a change costs a write (file port, with and without the plugin)
 * and how fast `drain()` pushes changes to a real PostgreSQL 15 (a throwaway cluster, as the tests
 * start it) in batches of 100, with storage requests per change counted. Wall-clock on a shared
 * machine: expect noise.
 *
 *   npx tsx bench/db-replicator.ts [records]    # default 2,000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Database, postgresTarget, replicator } from '../src/db/index.js';
import { fileStorage, instrumented } from '../src/storage/index.js';
import { startPostgres } from '../test/support/postgres.js';

const RECORDS = Number(process.argv[2] ?? 2000);
const ATTRIBUTES = {
  name: 'string|required',
  age: 'integer',
  email: 'string',
  tags: 'array|items:string',
} as const;

async function inserts(root: string, withReplicator: boolean, url: string) {
  const port = instrumented(fileStorage(root, { durable: false }));
  const rep = replicator({ targets: [postgresTarget({ connectionString: url })], batchSize: 100 });
  const db = await new Database({ storage: port, plugins: withReplicator ? [rep] : [] }).connect();
  const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
  port.reset();
  const started = performance.now();
  const rows = Array.from({ length: RECORDS }, (_, i) => ({
    id: `u${i}`,
    name: `user ${i}`,
    age: i % 90,
    email: `u${i}@example.com`,
    tags: ['a', `t${i % 7}`],
  }));
  await users.insertMany(rows, { concurrency: 10 });
  const seconds = (performance.now() - started) / 1000;
  const writeRequests = port.usage().requests / RECORDS;
  return { db, rep, port, insertsPerSecond: RECORDS / seconds, writeRequests };
}

const server = await startPostgres();
const root = await mkdtemp(join(tmpdir(), 'bk-bench-rep-'));
try {
  const plain = await inserts(join(root, 'plain'), false, server.url);
  await plain.db.disconnect();
  const logged = await inserts(join(root, 'logged'), true, server.url);
  logged.port.reset();
  const started = performance.now();
  const report = await logged.rep.drain();
  const seconds = (performance.now() - started) / 1000;
  const drainRequests = logged.port.usage().requests / report.changes;
  await logged.db.disconnect();
  const check = new pg.Client({ connectionString: server.url });
  await check.connect();
  const { rows } = await check.query('SELECT count(*)::int AS n FROM users');
  await check.end();
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`records: ${fmt(RECORDS)}, rows in PostgreSQL after drain: ${fmt(rows[0].n)}`);
  console.log(
    `insert, file port, no plugin: ${fmt(plain.insertsPerSecond)}/s, ${plain.writeRequests.toFixed(1)} requests each`,
  );
  console.log(
    `insert, file port, replicator logging: ${fmt(logged.insertsPerSecond)}/s, ${logged.writeRequests.toFixed(1)} requests each`,
  );
  console.log(
    `drain to PostgreSQL 15 (batches of 100): ${fmt(report.changes / seconds)} changes/s, ${drainRequests.toFixed(2)} storage requests per change`,
  );
} finally {
  await server.stop();
  await rm(root, { recursive: true, force: true });
}
