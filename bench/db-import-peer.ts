/**
 * Import of N records from a JSON lines file on the same s3rver: bucketkit (the file read line by line
 * into `resource.writer()`, the RecordWriter `bucketkit db import` uses, 16 in flight) beside s3db.js
 * 21.6.2's ImporterPlugin (its JSON lines driver, `parallelism: 16`). Both resources have one partition
 * written with the record (s3db.js: `asyncPartitions: false`). Storage requests are counted by operation
 * for bucketkit and as HTTP requests for both; the count after import is checked.
 *
 *   npx tsx bench/db-import-peer.ts [records]    # default 2,000
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Database } from '../src/db/index.js';
import { instrumented, prefixed, s3Storage } from '../src/storage/index.js';
import { type S3Server, startS3rver } from '../test/support/servers.js';
import { loadS3db, type S3dbConstructor } from './db-s3db.js';
import { httpRequestsSent, recordFor } from './db-subject.js';

const RECORDS = Number(process.argv[2] ?? 2000);
const ATTRIBUTES = { name: 'string', email: 'string', country: 'string', score: 'number', active: 'boolean' };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en');

interface Outcome {
  seconds: number;
  requestsPerRecord: number;
  byOperation?: string;
  count: number;
}

async function bucketkit(server: S3Server, file: string): Promise<Outcome> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    listApi: 'v1', // s3rver pages ListObjectsV2 wrongly on Node 20 (see DESIGN.md)
  });
  const port = instrumented(prefixed(s3, 'bk/'));
  const db = await new Database({ storage: port }).connect();
  try {
    const users = await db.createResource({
      name: 'users',
      attributes: ATTRIBUTES,
      behavior: 'body-overflow',
      partitions: { byCountry: ['country'] },
    });
    port.reset();
    const requests = httpRequestsSent();
    const started = performance.now();
    const writer = users.writer({ concurrency: 16 });
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (line.trim()) await writer.write(JSON.parse(line));
    }
    await writer.close();
    const seconds = (performance.now() - started) / 1000;
    const byOperation = Object.entries(port.usage().operations)
      .map(([op, usage]) => `${op} ${(usage.requests / RECORDS).toFixed(2)}`)
      .join(', ');
    return {
      seconds,
      requestsPerRecord: (httpRequestsSent() - requests) / RECORDS,
      byOperation,
      count: await users.count(),
    };
  } finally {
    await db.disconnect();
  }
}

/**
 * The keys under `prefix`, listed with ListObjects V1: s3db.js's own count() lists with V2, which s3rver
 * answers with a 500 on a bucket this large (the 100,000-record run lost its figures to it).
 */
async function countKeys(server: S3Server, prefix: string): Promise<number> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    listApi: 'v1',
  });
  let count = 0;
  for await (const _ of s3.list({ prefix })) count++;
  return count;
}

async function s3db(S3db: S3dbConstructor, server: S3Server, file: string): Promise<Outcome> {
  const { ImporterPlugin } = (await import(
    new URL('./peers/node_modules/s3db.js/dist/index.js', import.meta.url).href
  )) as {
    ImporterPlugin: new (options: Record<string, unknown>) => { import(path: string): Promise<unknown> };
  };
  const endpoint = new URL(server.endpoint);
  const db = new S3db({
    connectionString: `http://${server.accessKeyId}:${server.secretAccessKey}@${endpoint.host}/${server.bucket}/s3db`,
    httpClientOptions: { useReckerHandler: false },
    logLevel: 'silent',
  });
  await db.connect();
  try {
    await db.createResource({
      name: 'users',
      attributes: ATTRIBUTES,
      behavior: 'body-overflow',
      partitions: { byCountry: { fields: { country: 'string' } } },
      asyncPartitions: false,
    });
    const importer = new ImporterPlugin({ resource: 'users', format: 'jsonl', parallelism: 16 });
    await db.usePlugin(importer);
    const requests = httpRequestsSent();
    const started = performance.now();
    await importer.import(file);
    const seconds = (performance.now() - started) / 1000;
    return {
      seconds,
      requestsPerRecord: (httpRequestsSent() - requests) / RECORDS,
      count: await countKeys(server, 's3db/resource=users/data/'),
    };
  } finally {
    await db.disconnect?.();
  }
}

const S3db = await loadS3db();
const server = await startS3rver('bench');
const dir = await mkdtemp(join(tmpdir(), 'bk-bench-import-peer-'));
try {
  const file = join(dir, 'users.jsonl');
  await writeFile(
    file,
    `${Array.from({ length: RECORDS }, (_, i) => JSON.stringify(recordFor(i))).join('\n')}\n`,
  );
  console.log(
    `import of ${fmt(RECORDS)} JSON lines on s3rver, 16 in flight — ${new Date().toISOString()}, Node ${process.version}, load ${load()}\n`,
  );
  const bk = await bucketkit(server, file);
  process.stderr.write(
    `bucketkit: ${fmt(RECORDS / bk.seconds)} records/s, count ${fmt(bk.count)} (load ${load()})\n`,
  );
  const peer = await s3db(S3db, server, file);
  console.log('| library | records/s | HTTP requests per record | count after |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| bucketkit writer() | ${fmt(RECORDS / bk.seconds)} | ${bk.requestsPerRecord.toFixed(2)} (${bk.byOperation}) | ${fmt(bk.count)} |`,
  );
  console.log(
    `| s3db.js ImporterPlugin | ${fmt(RECORDS / peer.seconds)} | ${peer.requestsPerRecord.toFixed(2)} | ${fmt(peer.count)} |`,
  );
  console.log(`\nbucketkit / s3db.js: ${(peer.seconds / bk.seconds).toFixed(2)}× (load ${load()})`);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
