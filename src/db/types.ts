/** Public types shared by the database, its resources and plugins. */
import type { Abortable } from '../storage/index.js';
import type { BehaviorName } from './encoding/index.js';
import type { HookSet } from './hooks.js';
import type { IdGenerator } from './ids.js';
import type { PartitionDefinitions } from './partitions.js';
import type { Attributes, FieldSpec } from './schema/index.js';

/** A stored record: the schema's fields plus its id (and timestamps when the resource keeps them). */
export type Doc<T> = T & { id: string; createdAt?: string; updatedAt?: string };

/** A partial update: any subset of the fields, nested objects merged deeply. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Turns a record written by an older schema version into the current shape. */
export type Migrate = (
  record: Record<string, unknown>,
  fromVersion: string,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * What `db.createResource()` takes.
 *
 * @example
 * ```ts
 * await db.createResource({
 *   name: 'orders',
 *   attributes: { customer: 'string|required', total: 'number|min:0', status: 'string' },
 *   partitions: { byStatus: ['status'] },
 *   timestamps: true,
 *   hooks: { beforeInsert: (order) => ({ ...order, status: order.status ?? 'new' }) },
 * });
 * ```
 */
export interface ResourceDefinition<A extends Attributes = Attributes, T = Record<string, unknown>> {
  /** 1-64 of `A-Z a-z 0-9 _ -`. */
  name: string;
  attributes: A;
  /** How records larger than S3's 2 KiB of metadata are stored (default `body-overflow`). */
  behavior?: BehaviorName;
  /** Partition name → the fields it indexes, e.g. `{ byCountry: ['country'] }`. */
  partitions?: PartitionDefinitions;
  /** Keep `createdAt` / `updatedAt` (ISO) on every record. */
  timestamps?: boolean;
  /** `delete` moves records to a trash (`restore`, `purge`, `deleted()`) instead of removing them. */
  paranoid?: boolean;
  /** Makes ids for records inserted without one (default: 22 random URL-safe characters). */
  idGenerator?: IdGenerator;
  hooks?: HookSet<Doc<T>>;
  /** Called on records written by an older version of this definition. */
  migrate?: Migrate;
  /** Compare-and-swap retries after a lost race before `PreconditionFailed` (default 10). */
  retries?: number;
  /** With `user-managed`: called when a record exceeds the metadata limit (it then goes to the body). */
  onExceedsLimit?: (info: { id: string; bytes: number; limit: number; excess: number }) => void;
}

/**
 * What this database can and cannot promise on its port; read it after `connect()`.
 *
 * @example
 * ```ts
 * if (!db.guarantees.compareAndSwap) console.warn(db.guarantees.notes.join('\n'));
 * ```
 */
export interface Guarantees {
  /** The port enforces `ifNoneMatch` / `ifMatch` atomically. */
  conditionalWrites: boolean;
  /** `insert` of an existing id fails even when two processes race. */
  createOnlyInsert: boolean;
  /** Concurrent `update`/`replace`/`delete` never lose a write (compare-and-swap on the ETag). */
  compareAndSwap: boolean;
  /** Why a guarantee is off. */
  notes: string[];
}

export interface WriteOptions extends Abortable {
  /** Overrides the resource's `retries` for this call. */
  retries?: number;
}

export interface InsertOptions extends Abortable {
  /** With `timestamps`: keep the input's `createdAt`/`updatedAt` (an import or migration), not now. */
  keepTimestamps?: boolean;
}

export interface ManyOptions extends Abortable {
  /** Requests in flight at once (default 32 for reads: list, query, page, stream, getMany; 10 for writes). */
  concurrency?: number;
}

export interface PageResult<T> {
  items: Doc<T>[];
  /** Pass it back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface QueryOptions extends ManyOptions {
  /** Stop after this many matches. */
  limit?: number;
}

/** A resource's current definition, for tools (`resource.describe()`). */
export interface ResourceDescription {
  name: string;
  /** The version id new records are written with. */
  version: string;
  behavior: BehaviorName;
  partitions: PartitionDefinitions;
  timestamps: boolean;
  paranoid: boolean;
  /** Leaf fields, depth first (timestamps included when kept). */
  fields: readonly FieldSpec[];
  /** JSON Schema (draft 2020-12) of a record as `insert` takes it, without `id`. */
  jsonSchema: Record<string, unknown>;
}
