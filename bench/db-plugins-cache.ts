/**
 * The cached-get row of bench/db-plugins.ts: bucketkit's cache() plugin and s3db.js's CachePlugin
 * (memory driver) over the same s3rver, the same 1,000 records and the same key sequence, cache warm.
 * Every timed get must be a hit: the row checks that no HTTP request was sent while it was timed and
 * that every record came back with its own id.
 */
import { cache, Database } from '../src/db/index.js';
import { prefixed, s3Storage } from '../src/storage/index.js';
import type { S3Server } from '../test/support/servers.js';
import { type S3dbConstructor, s3dbPlugins } from './db-s3db.js';
import { httpRequestsSent, RECORDS, recordFor } from './db-subject.js';

/** One library's cached gets, ready to be timed. */
export interface CachedGetSubject {
  name: 'bucketkit' | 's3db.js';
  /** Gets ids `from`, `from + 7`, … (mod 1,000) `count` times; resolves to how many came back with the asked id. */
  gets(from: number, count: number): Promise<number>;
  /** Cache hits so far, by the plugin's own statistics. */
  hits(): number;
  close(): Promise<void>;
}

const ATTRIBUTES = { name: 'string', email: 'string', country: 'string', score: 'number', active: 'boolean' };
const idOf = (i: number) => recordFor(i % RECORDS).id;

async function warm(subject: CachedGetSubject): Promise<void> {
  // twice: a first read may be a miss that stores, the second must hit
  await subject.gets(0, RECORDS);
  await subject.gets(0, RECORDS);
}

export async function bucketkitCachedGets(server: S3Server, prefix: string): Promise<CachedGetSubject> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...(server.name === 's3rver' ? { listApi: 'v1' as const } : {}),
  });
  const plugin = cache({ ttl: 10 * 60_000 });
  const db = await new Database({ storage: prefixed(s3, `${prefix}/`), plugins: [plugin] }).connect();
  const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES, behavior: 'body-overflow' });
  for (let i = 0; i < RECORDS; i++) await users.insert(recordFor(i));
  const subject: CachedGetSubject = {
    name: 'bucketkit',
    async gets(from, count) {
      let right = 0;
      for (let i = 0; i < count; i++) {
        const id = idOf(from + i * 7);
        if ((await users.get(id)).id === id) right++;
      }
      return right;
    },
    hits: () => plugin.stats().hits,
    close: () => db.disconnect(),
  };
  await warm(subject);
  return subject;
}

export async function s3dbCachedGets(
  S3db: S3dbConstructor,
  server: S3Server,
  prefix: string,
): Promise<CachedGetSubject> {
  const { CachePlugin } = await s3dbPlugins();
  const plugin = new CachePlugin({ driver: 'memory', ttl: 10 * 60_000 });
  const url = new URL(server.endpoint);
  const db = new S3db({
    connectionString: `http://${server.accessKeyId}:${server.secretAccessKey}@${url.host}/${server.bucket}/${prefix}`,
    httpClientOptions: { useReckerHandler: false },
    logLevel: 'silent',
    plugins: [plugin],
  });
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES, behavior: 'body-overflow' });
  for (let i = 0; i < RECORDS; i++) await users.insert(recordFor(i));
  const subject: CachedGetSubject = {
    name: 's3db.js',
    async gets(from, count) {
      let right = 0;
      for (let i = 0; i < count; i++) {
        const id = idOf(from + i * 7);
        if (((await users.get(id)) as { id?: string } | undefined)?.id === id) right++;
      }
      return right;
    },
    hits: () => plugin.stats.hits,
    close: async () => db.disconnect?.(),
  };
  await warm(subject);
  return subject;
}

/** One timed round of `count` gets: gets per second, and whether all were right hits without a request. */
export async function timeCachedGets(
  subject: CachedGetSubject,
  round: number,
  count: number,
): Promise<{ perSecond: number; allHits: boolean }> {
  const requests = httpRequestsSent();
  const hits = subject.hits();
  const started = performance.now();
  const right = await subject.gets(round * 13, count);
  const seconds = (performance.now() - started) / 1000;
  const allHits = right === count && subject.hits() - hits === count && httpRequestsSent() === requests;
  return { perSecond: count / seconds, allHits };
}
