/**
 * The bucketkit side of bench/db.ts: the db over the s3 port on the same server. Requests are counted
 * as s3db.js's are: every HTTP request the process sends (`httpRequestsSent`), so the count includes
 * the s3 adapter's lean path, which bypasses the SDK client.
 */

import { Database } from '../src/db/index.js';
import { prefixed, s3Storage } from '../src/storage/index.js';
import type { S3Server } from '../test/support/servers.js';
import { type DbSubject, httpRequestsSent } from './db-subject.js';

export async function bucketkitSubject(server: S3Server, prefix: string): Promise<DbSubject> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // s3rver pages ListObjectsV2 wrongly on Node 20 (see DESIGN.md)
    ...(server.name === 's3rver' ? { listApi: 'v1' as const } : {}),
  });
  const db = await new Database({ storage: prefixed(s3, `${prefix}/`) }).connect();
  const users = await db.createResource({
    name: 'users',
    attributes: {
      name: 'string',
      email: 'string',
      country: 'string',
      score: 'number',
      active: 'boolean',
    },
    behavior: 'body-overflow',
    partitions: { byCountry: ['country'] },
  });
  return {
    name: 'bucketkit',
    async insert(record) {
      await users.insert(record);
    },
    async get(id) {
      return (await users.get(id)).id === id;
    },
    async update(id, changes) {
      await users.update(id, changes);
    },
    async list() {
      let count = 0;
      for await (const _ of users.list()) count++;
      return count;
    },
    async partitionQuery(country) {
      return (await users.query({ country })).length;
    },
    count: () => users.count(),
    requests: httpRequestsSent,
    async close() {
      await db.disconnect();
    },
  };
}
