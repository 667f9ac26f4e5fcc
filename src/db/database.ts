/**
 * The database: a catalog of resources on one storage port. `connect()` reads (and if needed heals)
 * the catalog, checks the passphrase and sets up plugins.
 */
import { bkError } from '../errors.js';
import { type Logger, type LogLevel, log } from '../logger.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { deserializeAttributes, effectiveAttributes, serializeAttributes } from './attributes.js';
import { type Catalog, CatalogStore, unknownResource, versionId } from './catalog.js';
import type { SecretCipher } from './crypto/index.js';
import { BEHAVIORS, type BehaviorName, extendAttributeMap } from './encoding/index.js';
import { healOnConnect } from './heal.js';
import { type Hook, type HookEvent, HookRegistry, type Middleware, type MiddlewareMethod } from './hooks.js';
import { randomId } from './ids.js';
import { assertValidName } from './keys.js';
import { validatePartitions } from './partitions.js';
import type { Plugin } from './plugin.js';
import { Resource } from './resource.js';
import type { ResourceRuntime, VersionRuntime } from './runtime.js';
import { versionLookup } from './runtime.js';
import { type Attributes, compileSchema, type InferInput, type InferRecord } from './schema/index.js';
import { openSecrets } from './secrets.js';
import type { Doc, Guarantees, ResourceDefinition } from './types.js';

export interface DatabaseOptions {
  /** The port to store everything on. Give this or `connectionString`. */
  storage?: StoragePort;
  /** `memory://`, `file://`, `s3://` or `http(s)://` (see `connect` in bucketkit/storage). */
  connectionString?: string;
  /** Encrypts `secret` fields. There is no default: secret fields without one are refused. */
  passphrase?: string;
  /** Earlier passphrases: still read older secrets; the first connect with a new passphrase rotates. */
  previousPassphrases?: readonly string[];
  /** PBKDF2 iterations for a new key (default 600,000; at least 100,000). */
  iterations?: number;
  /** Receives warnings (e.g. a port without conditional writes); default: bucketkit's `setLogger` hook. */
  logger?: Logger;
  /** Set up at the end of `connect()`, in order. */
  plugins?: readonly Plugin[];
  /** Compare-and-swap retries for resources that do not set their own (default 10). */
  retries?: number;
}

type Row = Record<string, unknown>;

/**
 * A document database on any storage port (`bucketkit/db` adds connection strings: see database-node.ts).
 *
 * @example
 * ```ts
 * const db = await new Database({ storage: memoryStorage(), passphrase: process.env.DB_KEY }).connect();
 * const users = await db.createResource({
 *   name: 'users',
 *   attributes: { email: 'string|required|email', country: 'string', token: 'secret' },
 *   partitions: { byCountry: ['country'] },
 *   timestamps: true,
 * });
 * await users.insert({ email: 'ada@example.com', country: 'UK', token: 't0k3n' });
 * const uk = await users.query({ country: 'UK' }); // one LIST per 1,000 ids, then the GETs
 * ```
 */
export class Database {
  readonly port: StoragePort;
  private readonly options: DatabaseOptions;
  private store?: CatalogStore;
  private catalog?: Catalog;
  private cipher?: SecretCipher;
  private conditional = false;
  private promises?: Guarantees;
  private readonly shared = new HookRegistry<Doc<Row>>('*');
  private readonly live = new Map<string, Resource<Row, unknown>>();
  private readonly plugins: Plugin[] = [];
  /** Resources created by a plugin's `setup`, by the plugin's name (see `createdBy`). */
  private readonly owners = new Map<string, string>();
  private settingUp: string | undefined;

  constructor(options: DatabaseOptions) {
    if (!options || (!options.storage && !options.connectionString)) {
      throw bkError('InvalidArgument', 'give the database a storage port or a connectionString');
    }
    this.options = options;
    this.port = options.storage ?? this.openConnectionString(options.connectionString!);
  }

  /**
   * The port a connection string names. Connection strings reach the file and s3 ports, which need
   * Node: `bucketkit/db` opens them; this class, as `bucketkit/db/browser` exports it, does not.
   */
  protected openConnectionString(url: string): StoragePort {
    throw bkError(
      'Unsupported',
      `connection strings need Node (got "${url.split(':')[0]}:..."); in a browser give \`storage\`, e.g. httpStorage({ url })`,
    );
  }

  /**
   * Reads the catalog (healing a damaged one after backing it up), checks the passphrase, and sets up
   * the plugins given in the options. Returns the database.
   */
  async connect(options: Abortable = {}): Promise<this> {
    const capabilities = await this.port.capabilities(options);
    this.conditional = capabilities.conditionalWrites;
    const notes = [...(capabilities.notes ?? [])];
    if (!this.conditional) {
      notes.unshift(
        `${this.port.name} does not enforce conditional writes: concurrent inserts of one id and concurrent updates of one record can overwrite each other`,
      );
      this.log('warn', notes[0]!, { port: this.port.name });
    }
    this.promises = {
      conditionalWrites: this.conditional,
      createOnlyInsert: this.conditional,
      compareAndSwap: this.conditional,
      notes,
    };
    this.store = new CatalogStore(this.port, this.conditional);
    this.catalog = await healOnConnect(
      this.port,
      this.store,
      (level, message, fields) => this.log(level, message, fields),
      options,
    );
    if (this.options.passphrase !== undefined) {
      this.cipher = await openSecrets(this.store, this.catalog, {
        passphrase: this.options.passphrase,
        previousPassphrases: this.options.previousPassphrases ?? [],
        ...(this.options.iterations ? { iterations: this.options.iterations } : {}),
        ...options,
      });
    }
    for (const plugin of this.options.plugins ?? []) await this.usePlugin(plugin);
    return this;
  }

  /** What this database can promise on its port (conditional writes, compare-and-swap). */
  get guarantees(): Guarantees {
    if (!this.promises) throw notConnected();
    return this.promises;
  }

  /**
   * Creates a resource, or opens it when the same definition exists; a changed definition becomes a new
   * version (old records keep decoding with the version that wrote them, through `migrate` if given).
   */
  async createResource<const A extends Attributes>(
    definition: ResourceDefinition<A, InferRecord<A>>,
    options: Abortable = {},
  ): Promise<Resource<InferRecord<A>, InferInput<A>>> {
    const store = this.store;
    if (!store) throw notConnected();
    const { name } = definition;
    assertValidName(name, 'resource');
    if (this.settingUp !== undefined) this.owners.set(name, this.settingUp);
    const behavior: BehaviorName = definition.behavior ?? 'body-overflow';
    if (!BEHAVIORS.includes(behavior)) {
      throw bkError('InvalidArgument', `unknown behavior "${behavior}"; use one of ${BEHAVIORS.join(', ')}`);
    }
    const attributes = effectiveAttributes(definition.attributes, definition.timestamps ?? false);
    const schema = compileSchema(attributes);
    if (schema.secretPaths.length > 0 && !this.cipher) {
      throw bkError(
        'InvalidArgument',
        `"${name}" has secret fields (${schema.secretPaths.join(', ')}); give the Database a passphrase`,
        { details: { resource: name, secretPaths: schema.secretPaths } },
      );
    }
    const partitions = Object.fromEntries(
      Object.entries(definition.partitions ?? {}).map(([k, v]) => [k, [...v]]),
    );
    validatePartitions(partitions, new Set(schema.fields.map((f) => f.path)));
    const stored = {
      attributes: serializeAttributes(attributes),
      behavior,
      partitions,
      timestamps: definition.timestamps ?? false,
      paranoid: definition.paranoid ?? false,
    };
    const id = versionId(stored);
    const paths = schema.fields.map((f) => f.path);
    const before = this.catalog?.resources[name];
    const previous = before ? before.versions[before.current] : undefined;
    this.catalog = await store.update((catalog) => {
      const entry = catalog.resources[name];
      if (entry?.versions[id]) {
        if (entry.current === id) return false;
        entry.current = id;
        return true;
      }
      const now = new Date().toISOString();
      const extended = extendAttributeMap(entry?.registry ?? {}, entry?.nextIndex ?? 0, paths);
      const version = { ...stored, map: { ...extended.map }, createdAt: now };
      catalog.resources[name] = {
        current: id,
        versions: { ...entry?.versions, [id]: version },
        registry: { ...extended.map },
        nextIndex: extended.nextIndex,
        createdAt: entry?.createdAt ?? now,
      };
      return true;
    }, options);
    const entry = this.catalog.resources[name]!;
    if (previous && stableKey(previous.partitions) !== stableKey(partitions)) {
      this.log(
        'warn',
        `the partitions of "${name}" changed: run rebuildPartitions() to index existing records`,
        {
          resource: name,
        },
      );
    }
    const current: VersionRuntime = {
      id,
      schema,
      map: entry.versions[id]!.map,
      definition: entry.versions[id]!,
    };
    const hooks = new HookRegistry<Doc<InferRecord<A>>>(name, this.shared);
    for (const [event, value] of Object.entries(definition.hooks ?? {}) as [HookEvent, unknown][]) {
      for (const hook of Array.isArray(value) ? value : [value])
        hooks.add(event, hook as Hook<Doc<InferRecord<A>>>);
    }
    const resource = new Resource<InferRecord<A>, InferInput<A>>(
      this.runtime(definition as ResourceDefinition, current),
      hooks,
    );
    this.live.set(name, resource as unknown as Resource<Row, unknown>);
    return resource;
  }

  /**
   * An existing resource. One not created in this process is opened from the catalog with its stored
   * definition (code-only options such as hooks and `migrate` come from `createResource`).
   */
  resource<T extends Row = Row>(name: string): Resource<T> {
    if (!this.catalog) throw notConnected();
    const live = this.live.get(name);
    if (live) return live as unknown as Resource<T>;
    const entry = this.catalog.resources[name];
    if (!entry) throw unknownResource(name, this.catalog);
    const definition = entry.versions[entry.current]!;
    const attributes = deserializeAttributes(definition.attributes);
    const current: VersionRuntime = {
      id: entry.current,
      schema: compileSchema(attributes),
      map: definition.map,
      definition,
    };
    const resource = new Resource<T>(
      this.runtime(
        {
          name,
          attributes,
          behavior: definition.behavior as BehaviorName,
          partitions: definition.partitions,
          timestamps: definition.timestamps,
          paranoid: definition.paranoid,
        },
        current,
      ),
      new HookRegistry<Doc<T>>(name, this.shared),
    );
    this.live.set(name, resource as unknown as Resource<Row, unknown>);
    return resource;
  }

  /** Re-reads the catalog, to see resources another process created since `connect()`. */
  async refresh(options: Abortable = {}): Promise<void> {
    if (!this.store) throw notConnected();
    this.catalog = (await this.store.load(options)).catalog;
  }

  /** The names of the resources in the catalog. */
  resources(): string[] {
    if (!this.catalog) throw notConnected();
    return Object.keys(this.catalog.resources).sort();
  }

  /** The catalog as last read or written (read-only; for tools and plugins). */
  get catalogSnapshot(): Readonly<Catalog> {
    if (!this.catalog) throw notConnected();
    return this.catalog;
  }

  /** Adds a hook that runs for every resource, before the resource's own; returns its remover. */
  addHook<E extends HookEvent>(event: E, hook: Hook<Doc<Row>, E>): () => void {
    return this.shared.add(event, hook);
  }

  /** Wraps a method of every resource; returns its remover. */
  useMiddleware(method: MiddlewareMethod, middleware: Middleware): () => void {
    return this.shared.use(method, middleware);
  }

  /** Sets up a plugin (after `connect()`); `disconnect()` tears it down. */
  async usePlugin(plugin: Plugin): Promise<void> {
    if (!this.catalog) throw notConnected();
    this.settingUp = plugin.name;
    try {
      await plugin.setup(this);
    } finally {
      this.settingUp = undefined;
    }
    this.plugins.push(plugin);
  }

  /** The name of the plugin whose `setup` created `resource` in this process (e.g. `audit-log`), if any. */
  createdBy(resource: string): string | undefined {
    return this.owners.get(resource);
  }

  /** Tears the plugins down (last first) and closes a port the database opened itself. */
  async disconnect(): Promise<void> {
    for (const plugin of this.plugins.splice(0).reverse()) await plugin.teardown?.();
    if (!this.options.storage) await this.port.close?.();
  }

  private runtime(definition: ResourceDefinition, current: VersionRuntime): ResourceRuntime {
    const def = current.definition;
    return {
      name: definition.name,
      port: this.port,
      conditional: this.conditional,
      cipher: this.cipher,
      current,
      behavior: def.behavior as BehaviorName,
      partitions: def.partitions,
      timestamps: def.timestamps,
      paranoid: def.paranoid,
      retries: definition.retries ?? this.options.retries ?? 10,
      idGenerator: definition.idGenerator ?? (() => randomId()),
      migrate: definition.migrate,
      onExceedsLimit: definition.onExceedsLimit,
      version: versionLookup(definition.name, () => this.catalog?.resources[definition.name], current),
      reload: (options) => this.refresh(options),
      log: (level, message, fields) => this.log(level, message, { resource: definition.name, ...fields }),
    };
  }

  private log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!this.options.logger) {
      log(level, 'db', message, fields);
      return;
    }
    try {
      this.options.logger({ level, scope: 'db', message, ...(fields ? { fields } : {}) });
    } catch {
      // a throwing logger must not break the database
    }
  }
}

function stableKey(partitions: Record<string, string[]>): string {
  return JSON.stringify(Object.entries(partitions).sort(([a], [b]) => a.localeCompare(b)));
}

function notConnected() {
  return bkError('InvalidArgument', 'the database is not connected; call await db.connect() first');
}
