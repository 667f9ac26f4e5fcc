/**
 * The bucketkit side of bench/db.ts: the db over the s3 port on the same server. Requests are counted
 * the way db-s3db.ts counts s3db.js's: a middleware at the SDK client's finalizeRequest step (the
 * `instrumented` port would also count them, but adds per-call work of its own that s3db.js is spared).
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { Database } from '../src/db/index.js';
import { prefixed, s3Storage } from '../src/storage/index.js';
import type { S3Server } from '../test/support/servers.js';
import type { DbSubject } from './db-subject.js';

export async function bucketkitSubject(server: S3Server, prefix: string): Promise<DbSubject> {
  const s3 = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // s3rver pages ListObjectsV2 wrongly on Node 20 (see DESIGN.md)
    ...(server.name === 's3rver' ? { listApi: 'v1' as const } : {}),
  });
  const client = (s3 as unknown as { client?: S3Client }).client;
  if (!client) throw new Error('the s3 port no longer exposes its SDK client: count requests another way');
  let requests = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'finalizeRequest' },
  );
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
    requests: () => requests,
    async close() {
      await db.disconnect();
    },
  };
}
