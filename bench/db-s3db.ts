/** The s3db.js side of bench/db.ts, from bench/peers (installed on first use). */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { S3Server } from '../test/support/servers.js';
import { type BenchRecord, type DbSubject, httpRequestsSent } from './db-subject.js';

const peers = fileURLToPath(new URL('./peers/', import.meta.url));
const entry = new URL('./peers/node_modules/s3db.js/dist/index.js', import.meta.url);

/** The parts of s3db.js the benchmark calls (it ships its own types; these keep bench/ independent of them). */
interface S3dbResource {
  insert(record: BenchRecord): Promise<unknown>;
  get(id: string): Promise<unknown>;
  update(id: string, changes: Partial<BenchRecord>): Promise<unknown>;
  getAll(): Promise<unknown[]>;
  query(filter: Record<string, unknown>, options: { limit: number }): Promise<unknown[]>;
  count(): Promise<number>;
}
interface S3dbDatabase {
  connect(): Promise<void>;
  disconnect?(): Promise<void>;
  createResource(definition: Record<string, unknown>): Promise<S3dbResource>;
  usePlugin(plugin: unknown): Promise<unknown>;
}
export type S3dbConstructor = new (options: Record<string, unknown>) => S3dbDatabase;

/** Installs bench/peers when needed and imports s3db.js. */
export async function loadS3db(): Promise<S3dbConstructor> {
  if (!existsSync(fileURLToPath(entry))) {
    process.stderr.write('installing bench/peers (s3db.js 21.6.2)...\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: peers, stdio: 'inherit' });
  }
  const module = (await import(entry.href)) as { S3db: S3dbConstructor };
  return module.S3db;
}

/**
 * The whole s3db.js module loadS3db installed, untyped (its types stay out of bench/ and test/), for the
 * parts a caller names itself, such as its `Schema`.
 */
export async function s3dbModule(): Promise<unknown> {
  await loadS3db();
  return import(entry.href);
}

/** The s3db.js plugins bench/db-plugins.ts puts beside bucketkit's (their own types stay out of bench/). */
export interface S3dbPlugins {
  CachePlugin: new (options: Record<string, unknown>) => { stats: { hits: number; misses: number } };
  FullTextPlugin: new (
    options: Record<string, unknown>,
  ) => {
    indexes: Map<string, { recordIds: string[]; count: number }>;
    config: { minWordLength: number };
    tokenize(text: string): string[];
    indexRecord(resource: string, id: string, data: Record<string, unknown>): Promise<void>;
    search(
      resource: string,
      query: string,
      options?: { limit?: number; exactMatch?: boolean },
    ): Promise<{ recordId: string; score: number }[]>;
  };
}

/** s3db.js's CachePlugin and FullTextPlugin, from the package loadS3db installed. */
export async function s3dbPlugins(): Promise<S3dbPlugins> {
  await loadS3db();
  return (await import(entry.href)) as S3dbPlugins;
}

export async function s3dbSubject(
  S3db: S3dbConstructor,
  server: S3Server,
  prefix: string,
): Promise<DbSubject> {
  const url = new URL(server.endpoint);
  const db = new S3db({
    connectionString: `http://${server.accessKeyId}:${server.secretAccessKey}@${url.host}/${server.bucket}/${prefix}`,
    // The package's own HTTP client (recker) is not installable from this registry at the version it pins.
    httpClientOptions: { useReckerHandler: false },
    logLevel: 'silent',
  });
  await db.connect();
  const users = await db.createResource({
    name: 'users',
    attributes: { name: 'string', email: 'string', country: 'string', score: 'number', active: 'boolean' },
    behavior: 'body-overflow',
    partitions: { byCountry: { fields: { country: 'string' } } },
    // Same guarantee as bucketkit: the partition entry exists when insert resolves.
    asyncPartitions: false,
  });
  return {
    name: 's3db.js',
    async insert(record) {
      await users.insert(record);
    },
    async get(id) {
      return (await users.get(id)) !== undefined;
    },
    async update(id, changes) {
      await users.update(id, changes);
    },
    async list() {
      return (await users.getAll()).length;
    },
    async partitionQuery(country) {
      return (await users.query({ country }, { limit: 10_000 })).length;
    },
    count: () => users.count(),
    requests: httpRequestsSent,
    async close() {
      await db.disconnect?.();
    },
  };
}
