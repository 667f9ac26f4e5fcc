/**
 * bucketkit/db — a document database on any storage port: resources with typed schemas, compact
 * metadata encoding, partitions, secret fields, schema versions, hooks, plugins, and writes that never
 * lose each other (create-only inserts, compare-and-swap updates).
 *
 * @example
 * ```ts
 * import { Database } from 'bucketkit/db';
 * const db = await new Database({ connectionString: 'file://./data' }).connect();
 * const users = await db.createResource({ name: 'users', attributes: { name: 'string|required' } });
 * const ada = await users.insert({ name: 'Ada' });
 * ```
 */
// the browser entry's surface, with the Database that also opens connection strings
export * from './browser.js';
export { Database } from './database-node.js';
export {
  type PostgresClient,
  type PostgresPool,
  type PostgresTargetOptions,
  postgresTarget,
} from './plugins/replicator-postgres.js';
