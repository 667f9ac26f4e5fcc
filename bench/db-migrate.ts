/**
 * `migrateS3dbInPlace` on a bucket the real s3db.js 21.6.2 wrote: N records (default 1,000; body-overflow,
 * one partition, timestamps) on s3rver, copied server-side to a fresh prefix per run, migrated in place
 * through a counting port. Prints records/s and requests per record for RUNS runs (default 3) and the
 * load average. s3db.js has no migration of its own, so there is no peer row.
 *
 *   npx tsx bench/db-migrate.ts            # N=200 RUNS=1 npx tsx bench/db-migrate.ts for a quick look
 */
import { loadavg } from 'node:os';
import { migrateS3dbInPlace } from '../src/db/index.js';
import { instrumented, prefixed, s3Storage } from '../src/storage/index.js';
import { startS3rver } from '../test/support/servers.js';
import { loadS3db } from './db-s3db.js';

const N = Number(process.env.N ?? 1000);
const RUNS = Number(process.env.RUNS ?? 3);
const countries = ['PT', 'UK', 'US', 'BR', 'JP'];

const server = await startS3rver('bench');
const base = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}`;
// s3rver answers ListObjectsV2 with 500 on larger buckets; its V1 listing works
const root = s3Storage({
  bucket: server.bucket,
  endpoint: server.endpoint,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  listApi: 'v1',
});
try {
  const S3db = await loadS3db();
  const s3db = new S3db({
    connectionString: `${base}/pristine`,
    clientOptions: { httpClientOptions: { useReckerHandler: false } },
    logLevel: 'silent',
  });
  await s3db.connect();
  const users = await s3db.createResource({
    name: 'users',
    behavior: 'body-overflow',
    timestamps: true,
    attributes: { name: 'string', email: 'string', country: 'string', score: 'number', active: 'boolean' },
    partitions: { byCountry: { fields: { country: 'string' } } },
    asyncPartitions: false,
  });
  for (let i = 0; i < N; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, N - i) }, (_, j) =>
        users.insert({
          id: `u${String(i + j).padStart(6, '0')}`,
          name: `user ${i + j}`,
          email: `user${i + j}@example.com`,
          country: countries[(i + j) % countries.length]!,
          score: (i + j) / 7,
          active: (i + j) % 2 === 0,
        } as never),
      ),
    );
  }
  await s3db.disconnect?.();
  const rows: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    // a copy through GET and PUT (s3rver's CopyObject misses keys with "="), listed first (s3rver fails
    // a listing while the same bucket is written)
    const keys: string[] = [];
    for await (const entry of root.list({ prefix: 'pristine/' }))
      if (entry.type === 'object') keys.push(entry.key);
    for (const key of keys) {
      const got = await root.get(key);
      await root.put(`run${run}/${key.slice('pristine/'.length)}`, await got.bytes(), {
        metadata: got.metadata,
        ...(got.contentType ? { contentType: got.contentType } : {}),
      });
    }
    const port = instrumented(prefixed(root, `run${run}/`));
    const started = performance.now();
    const report = await migrateS3dbInPlace(port, { passphrase: 'secret' });
    const seconds = (performance.now() - started) / 1000;
    const requests = port.usage().requests;
    const swapped = report.resources.users?.swapped ?? 0;
    rows.push(
      `run ${run + 1}: ${N} records in ${seconds.toFixed(1)} s = ${Math.round(N / seconds)} records/s; ` +
        `${requests} requests = ${(requests / N).toFixed(1)} per record (swapped ${swapped}); load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }
} finally {
  await root.close?.();
  await server.stop();
}
