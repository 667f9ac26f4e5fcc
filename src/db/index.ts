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
export { type Patch, Resource } from './resource.js';
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
  ManyOptions,
  Migrate,
  PageResult,
  QueryOptions,
  ResourceDefinition,
  WriteOptions,
} from './types.js';
