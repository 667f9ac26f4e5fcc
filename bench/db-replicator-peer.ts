/**
 * Replication to PostgreSQL, bucketkit's replicator() beside s3db.js 21.6.2's ReplicatorPlugin (postgres
 * driver) on the same s3rver and the same PostgreSQL 15 (a throwaway cluster, as the tests start it):
 * N inserts (10 in flight) of the same records, timed until every row is in PostgreSQL.
 * - bucketkit: each insert logs its change in the bucket (pending, then confirmed); `drain()` then
 *   pushes them in batches of 100 (multi-row upserts, one transaction a batch, a ledger in PostgreSQL).
 * - s3db.js: each insert emits an event; the plugin sends one INSERT … ON CONFLICT DO NOTHING per change
 *   in the background (nothing in the bucket: a change not yet sent when the process stops is lost).
 * HTTP requests to s3rver are counted for both (bench/db-subject.ts).
 *
 *   npx tsx bench/db-replicator-peer.ts [records]    # default 1,000
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { Database, postgresTarget, replicator } from '../src/db/index.js';
import { instrumented, prefixed, s3Storage } from '../src/storage/index.js';
import { startPostgres } from '../test/support/postgres.js';
import { type S3Server, startS3rver } from '../test/support/servers.js';
import { loadS3db, type S3dbConstructor } from './db-s3db.js';
import { type BenchRecord, httpRequestsSent, recordFor } from './db-subject.js';

const RECORDS = Number(process.argv[2] ?? 1000);
const ATTRIBUTES = { name: 'string', email: 'string', country: 'string', score: 'number', active: 'boolean' };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** Runs `task` on every record, `width` at a time. */
async function pool(records: BenchRecord[], width: number, task: (r: BenchRecord) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < records.length) await task(records[next++]!);
    }),
  );
}

async function rows(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  } catch {
    return 0; // not created yet
  } finally {
    await client.end();
  }
}

/** The parts of s3db.js's ReplicatorPlugin the row uses. */
interface S3dbReplicatorPlugin {
  on(event: string, listener: (payload: { error?: string }) => void): void;
  replicators: { client?: { end(): Promise<void> } | null }[];
}

interface Outcome {
  insertSeconds: number;
  totalSeconds: number;
  requestsPerChange: number;
  rows: number;
  errors?: string[];
}

async function bucketkit(server: S3Server, url: string, records: BenchRecord[]): Promise<Outcome> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    listApi: 'v1', // s3rver pages ListObjectsV2 wrongly on Node 20 (see DESIGN.md)
  });
  const rep = replicator({ targets: [postgresTarget({ connectionString: url })], batchSize: 100 });
  const port = instrumented(prefixed(s3, 'bk/'));
  const db = await new Database({ storage: port, plugins: [rep] }).connect();
  const perChange = () =>
    Object.entries(port.usage().operations)
      .map(([op, usage]) => `${op} ${(usage.requests / records.length).toFixed(2)}`)
      .join(', ');
  try {
    const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES });
    const requests = httpRequestsSent();
    port.reset();
    const started = performance.now();
    await pool(records, 10, (record) => users.insert(record));
    const inserted = performance.now();
    const insertRequests = perChange();
    port.reset();
    await rep.drain();
    const done = performance.now();
    console.log(
      `bucketkit storage requests per change: inserting ${insertRequests}; draining ${perChange()}`,
    );
    return {
      insertSeconds: (inserted - started) / 1000,
      totalSeconds: (done - started) / 1000,
      requestsPerChange: (httpRequestsSent() - requests) / records.length,
      rows: await rows(url, 'users'),
    };
  } finally {
    await db.disconnect();
  }
}

async function s3db(
  S3db: S3dbConstructor,
  server: S3Server,
  url: string,
  records: BenchRecord[],
): Promise<Outcome> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    'CREATE TABLE s3db_users (id text PRIMARY KEY, name text, email text, country text, score double precision, active boolean)',
  );
  await client.end();
  const { ReplicatorPlugin } = (await import(
    new URL('./peers/node_modules/s3db.js/dist/index.js', import.meta.url).href
  )) as { ReplicatorPlugin: new (options: Record<string, unknown>) => S3dbReplicatorPlugin };
  const plugin = new ReplicatorPlugin({
    replicators: [
      {
        driver: 'postgres',
        config: { connectionString: url },
        resources: { users: [{ table: 's3db_users', actions: ['insert'] }] },
      },
    ],
  });
  const endpoint = new URL(server.endpoint);
  const db = new S3db({
    connectionString: `http://${server.accessKeyId}:${server.secretAccessKey}@${endpoint.host}/${server.bucket}/s3db`,
    httpClientOptions: { useReckerHandler: false },
    logLevel: 'silent',
  });
  const errors = new Set<string>();
  plugin.on('plg:replicator:error', ({ error }) => errors.add(String(error)));
  await db.connect();
  try {
    const users = await db.createResource({
      name: 'users',
      attributes: ATTRIBUTES,
      behavior: 'body-overflow',
    });
    // installed after the resource: 21.6.2 does not replicate a resource created after the plugin
    await db.usePlugin(plugin);
    const requests = httpRequestsSent();
    const started = performance.now();
    await pool(records, 10, (record) => users.insert(record));
    const inserted = performance.now();
    const deadline = Date.now() + 120_000;
    let count = await rows(url, 's3db_users');
    while (count < records.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      count = await rows(url, 's3db_users');
    }
    const done = performance.now();
    return {
      insertSeconds: (inserted - started) / 1000,
      totalSeconds: (done - started) / 1000,
      requestsPerChange: (httpRequestsSent() - requests) / records.length,
      rows: count,
      errors: [...errors],
    };
  } finally {
    await db.disconnect?.();
    // its PostgreSQL connection outlives disconnect()
    for (const target of plugin.replicators) await target.client?.end();
  }
}

const S3db = await loadS3db();
const postgres = await startPostgres();
const server = await startS3rver('bench');
const records = Array.from({ length: RECORDS }, (_, i) => recordFor(i));
try {
  console.log(
    `replication to PostgreSQL 15, ${fmt(RECORDS)} inserts on s3rver, 10 in flight — ${new Date().toISOString()}, Node ${process.version}, load ${load()}\n`,
  );
  const results: [string, Outcome][] = [];
  for (const [name, run] of [
    ['bucketkit replicator() + drain()', () => bucketkit(server, postgres.url, records)],
    ['s3db.js ReplicatorPlugin (postgres)', () => s3db(S3db, server, postgres.url, records)],
  ] as const) {
    results.push([name, await run()]);
  }
  console.log(
    '| library | inserts/s with the plugin | changes in PostgreSQL/s, end to end | s3rver requests per change | rows in PostgreSQL |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, o] of results) {
    console.log(
      `| ${name} | ${fmt(RECORDS / o.insertSeconds)} | ${fmt(RECORDS / o.totalSeconds)} | ${o.requestsPerChange.toFixed(2)} | ${fmt(o.rows)} |`,
    );
  }
  for (const [name, o] of results)
    if (o.errors?.length) console.log(`${name} errors: ${o.errors.join('; ')}`);
  console.log(`\n(load ${load()})`);
} finally {
  await server.stop();
  await postgres.stop();
}
