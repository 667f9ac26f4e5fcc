/**
 * `bucketkit/db/browser`: the database without Node-only code, for browsers and other runtimes that
 * have `fetch` and Web Crypto. Everything `bucketkit/db` has, except opening a connection string (the
 * file and s3 ports need Node): give `storage` instead, e.g. `httpStorage` from `bucketkit/storage/browser`
 * to read a database that a Node process writes, or `memoryStorage()`.
 *
 * @example
 * ```ts
 * import { Database } from 'bucketkit/db/browser';
 * import { httpStorage } from 'bucketkit/storage/browser';
 * const db = await new Database({ storage: httpStorage({ url: 'https://data.example.com/app' }) }).connect();
 * const ada = await db.resource('users').get('ada');
 * ```
 */
export type { Catalog, CatalogResource, CatalogVersion } from './catalog.js';
export { createSecretCipher, randomSalt, type SecretCipher } from './crypto/index.js';
export { Database, type DatabaseOptions } from './database.js';
export { BEHAVIORS, type BehaviorName, METADATA_LIMIT, metadataBytes } from './encoding/index.js';
export type { FieldCondition, Filter } from './filter.js';
export type {
  Hook,
  HookContext,
  HookEvent,
  HookPayloads,
  HookSet,
  Middleware,
  MiddlewareContext,
  MiddlewareMethod,
} from './hooks.js';
export { type IdGenerator, randomId, sortableId } from './ids.js';
export { CATALOG_KEY } from './keys.js';
export type { RebuildReport } from './partition-sync.js';
export type { PartitionDefinitions } from './partitions.js';
export type { Plugin } from './plugin.js';
export { type AuditEntry, type AuditOptions, auditLog } from './plugins/audit.js';
export { type CacheOptions, type CachePlugin, type CacheStats, cache } from './plugins/cache.js';
export { type CostsPlugin, type CostsReport, costs, DATABASE_SCOPE } from './plugins/costs.js';
export {
  type CountersOptions,
  type CountersPlugin,
  type CounterTransaction,
  counters,
} from './plugins/counters.js';
export {
  type FulltextOptions,
  type FulltextPlugin,
  fulltext,
  type SearchHit,
  type SearchOptions,
} from './plugins/fulltext.js';
export {
  DEFAULT_LATENCY_BUCKETS,
  type MetricsOptions,
  type MetricsPlugin,
  metrics,
  type OperationMetrics,
} from './plugins/metrics.js';
export {
  type Claimed,
  type DeadLetter,
  type QueueOptions,
  type QueuePlugin,
  queue,
} from './plugins/queue.js';
export {
  type DrainReport,
  type ReplicatorOptions,
  type ReplicatorPlugin,
  replicator,
} from './plugins/replicator.js';
export type { Change, ChangeOp } from './plugins/replicator-log.js';
export {
  type ChangeLine,
  databaseTarget,
  jsonLinesTarget,
  type ReplicationSource,
  type ReplicationTarget,
  readChangeLines,
} from './plugins/replicator-targets.js';
export { type SweepReport, type TtlOptions, type TtlPlugin, type TtlRule, ttl } from './plugins/ttl.js';
export { type Patch, Resource } from './resource.js';
export {
  bucketkitDefinition,
  type ImportS3dbOptions,
  importS3db,
  type MigrateInPlaceOptions,
  type MigrateInPlaceProgress,
  type MigrateInPlaceReport,
  type MigrateS3dbOptions,
  type MigrateS3dbReport,
  migrateS3dbInPlace,
  type S3dbBucket,
  S3dbResource,
  type S3dbResourceInfo,
} from './s3db/index.js';
export {
  type AttributeDefinition,
  type Attributes,
  type FieldSpec,
  type FieldType,
  type InferInput,
  type InferRecord,
  secret,
} from './schema/index.js';
export { RecordWriter } from './streams.js';
export type {
  DeepPartial,
  Doc,
  Guarantees,
  InsertOptions,
  ManyOptions,
  Migrate,
  PageResult,
  QueryOptions,
  ResourceDefinition,
  ResourceDescription,
  WriteOptions,
} from './types.js';
