/**
 * A resource: a typed collection of records over a port. Writes are create-only (`insert`) or
 * compare-and-swap on the ETag just read (`update`, `replace`, `delete`), retried with jittered backoff.
 */
import { BucketkitError, bkError } from '../errors.js';
import type { Abortable, Body, GetOptions, GetResult } from '../storage/index.js';
import type { Filter } from './filter.js';
import type { HookEvent, HookPayloads, HookRegistry, Middleware, MiddlewareMethod } from './hooks.js';
import { assertValidId, contentKey, recordKey, trashKey, trashPrefix } from './keys.js';
import { deepMerge } from './merge.js';
import {
  diffEntries,
  keysOf,
  putEntries,
  type RebuildReport,
  rebuildPartitions,
  settleEntries,
  signalOf,
} from './partition-sync.js';
import { type ReadRecord, readRecord, TOMBSTONE, withoutId, writeRecord, writeTombstone } from './records.js';
import { ResourceReads } from './resource-reads.js';
import { backoff, mapLimit } from './retry.js';
import type { ResourceRuntime } from './runtime.js';
import { RecordWriter, toReadableStream } from './streams.js';
import type { DeepPartial, Doc, InsertOptions, ManyOptions, WriteOptions } from './types.js';

/** A patch, or a function of the current record returning one (re-run on every retry). */
export type Patch<T> = DeepPartial<T> | ((current: Doc<T>) => DeepPartial<T> | Promise<DeepPartial<T>>);

type Row = Record<string, unknown>;

/**
 * A typed collection of records. Get one from `db.createResource()` or `db.resource(name)`.
 *
 * @example
 * ```ts
 * const users = await db.createResource({ name: 'users', attributes: { name: 'string|required', visits: 'number' } });
 * const ada = await users.insert({ name: 'Ada', visits: 0 });
 * await users.update(ada.id, (u) => ({ visits: (u.visits ?? 0) + 1 }));
 * for await (const user of users.list()) console.log(user.name);
 * ```
 */
export class Resource<T extends Row = Row, I = T> extends ResourceReads<T> {
  constructor(rt: ResourceRuntime, hooks: HookRegistry<Doc<T>>) {
    super(rt, hooks);
  }

  /** The version id of the definition new records are written with. */
  get version(): string {
    return this.rt.current.id;
  }

  /** Adds a hook; returns a function that removes it. */
  addHook<E extends HookEvent>(
    event: E,
    hook: (data: HookPayloads<Doc<T>>[E], context: { id?: string; previous?: Doc<T> }) => unknown,
  ): () => void {
    return this.hooks.add(event, hook as never);
  }

  /** Wraps a method with middleware; returns a function that removes it. */
  use(method: MiddlewareMethod, middleware: Middleware): () => void {
    return this.hooks.use(method, middleware);
  }

  /**
   * Creates a record (with a generated id unless one is given). Fails with `PreconditionFailed` when the
   * id exists, even against a concurrent insert. `keepTimestamps` (imports, migrations) keeps the
   * `createdAt`/`updatedAt` the input carries instead of the time of the insert.
   */
  insert(input: I & { id?: string }, options: InsertOptions = {}): Promise<Doc<T>> {
    return this.hooks.call('insert', [input, options], ([i, o]) =>
      this.insertOnce(i as Row, o as InsertOptions),
    );
  }

  /** Inserts many records, `concurrency` at a time; results keep the input order. */
  insertMany(inputs: readonly (I & { id?: string })[], options: ManyOptions = {}): Promise<Doc<T>[]> {
    return mapLimit(inputs, options.concurrency ?? 10, (input) => this.insert(input, signalOf(options)));
  }

  /** Deep-merges `patch` into the record (compare-and-swap, retried). `NotFound` when it does not exist. */
  update(id: string, patch: Patch<T>, options: WriteOptions = {}): Promise<Doc<T>> {
    return this.hooks.call('update', [id, patch, options], ([i, p, o]) =>
      this.rewrite(i as string, o as WriteOptions, async (current) => {
        const change = typeof p === 'function' ? await (p as (c: Doc<T>) => unknown)(current as Doc<T>) : p;
        return deepMerge(current, (change ?? {}) as Row);
      }),
    );
  }

  /** Replaces the whole record (compare-and-swap, retried). `NotFound` when it does not exist. */
  replace(id: string, input: I, options: WriteOptions = {}): Promise<Doc<T>> {
    return this.hooks.call('replace', [id, input, options], ([i, r, o]) =>
      this.rewrite(i as string, o as WriteOptions, async (current) => ({
        ...(r as Row),
        ...(this.rt.timestamps ? { createdAt: current.createdAt } : {}),
      })),
    );
  }

  /** Inserts the record, or merges it into the existing one with that id. */
  upsert(input: I & { id: string }, options: WriteOptions = {}): Promise<Doc<T>> {
    return this.hooks.call('upsert', [input, options], async ([i, o]) => {
      const row = i as Row & { id: string };
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.insertOnce(row, o as Abortable);
        } catch (err) {
          if (!BucketkitError.is(err, 'PreconditionFailed') || !err.details.exists) throw err;
        }
        try {
          return await this.update(row.id, withoutId(row) as DeepPartial<T>, o as WriteOptions);
        } catch (err) {
          if (!BucketkitError.is(err, 'NotFound') || attempt >= this.rt.retries) throw err;
        }
      }
    });
  }

  /**
   * Deletes a record (compare-and-swap, retried); with `paranoid` it goes to the trash. Resolves to
   * false when there was nothing to delete.
   */
  delete(id: string, options: WriteOptions = {}): Promise<boolean> {
    return this.hooks.call('delete', [id, options], ([i, o]) =>
      this.deleteOnce(i as string, o as WriteOptions),
    );
  }

  /** Deletes many records, `concurrency` at a time. */
  async deleteMany(ids: readonly string[], options: ManyOptions = {}): Promise<{ deleted: number }> {
    const done = await mapLimit(ids, options.concurrency ?? 10, (id) => this.delete(id, signalOf(options)));
    return { deleted: done.filter(Boolean).length };
  }

  /** Paranoid resources: puts a deleted record back. `NotFound` when the trash does not hold it. */
  async restore(id: string, options: Abortable = {}): Promise<Doc<T>> {
    assertValidId(id);
    const trashed = await readRecord(this.rt, id, options, trashKey(this.rt.name, id));
    if (!trashed)
      throw bkError('NotFound', `the trash of "${this.rt.name}" holds no record "${id}"`, {
        details: { id },
      });
    const restored = await this.createRecord(id, withoutId(trashed.record), options);
    await this.rt.port.delete(trashKey(this.rt.name, id), options);
    return restored;
  }

  /** Paranoid resources: removes a record from the trash for good, with its content. */
  async purge(id: string, options: Abortable = {}): Promise<void> {
    assertValidId(id);
    await this.rt.port.deleteMany([trashKey(this.rt.name, id), contentKey(this.rt.name, id)], options);
  }

  /** Paranoid resources: the ids in the trash. */
  async *deleted(options: Abortable = {}): AsyncGenerator<string> {
    const prefix = trashPrefix(this.rt.name);
    for await (const entry of this.rt.port.list({ prefix, pageSize: 1000, ...signalOf(options) })) {
      if (entry.type === 'object') yield entry.key.slice(prefix.length);
    }
  }

  /** Stores a binary body for a record, apart from its fields. `NotFound` when the record does not exist. */
  setContent(id: string, body: Body, options: Abortable & { contentType?: string } = {}): Promise<void> {
    return this.hooks.call('setContent', [id, body, options], async ([i, b, o]) => {
      const opts = o as Abortable & { contentType?: string };
      if (!(await this.existsOnce(i as string, opts))) throw this.notFound(i as string);
      await this.rt.port.put(contentKey(this.rt.name, i as string), b as Body, {
        ...signalOf(opts),
        ...(opts.contentType ? { contentType: opts.contentType } : {}),
      });
    });
  }

  /** Reads a record's binary body (`range` for a part). `NotFound` when it has none. */
  getContent(id: string, options: GetOptions = {}): Promise<GetResult> {
    return this.hooks.call('getContent', [id, options], async ([i, o]) => {
      assertValidId(i);
      try {
        return await this.rt.port.get(contentKey(this.rt.name, i), o as GetOptions);
      } catch (err) {
        if (BucketkitError.is(err, 'NotFound')) {
          throw bkError(
            'NotFound',
            `record "${i}" of "${this.rt.name}" has no content; store it with setContent()`,
            {
              details: { id: i },
            },
          );
        }
        throw err;
      }
    });
  }

  /** Removes a record's binary body (no error when it has none). */
  async deleteContent(id: string, options: Abortable = {}): Promise<void> {
    assertValidId(id);
    await this.rt.port.delete(contentKey(this.rt.name, id), options);
  }

  /** The records (matching `filter`, if given) as they are read, `concurrency` GETs at a time. */
  stream(options: ManyOptions & { filter?: Filter } = {}): AsyncGenerator<Doc<T>> {
    return this.scan(options.filter ?? {}, options);
  }

  /** `stream()` as a web `ReadableStream`, pulled on demand. */
  readable(options: ManyOptions & { filter?: Filter } = {}): ReadableStream<Doc<T>> {
    return toReadableStream(this.stream(options));
  }

  /** A writer that inserts records with at most `concurrency` in flight and backpressure. */
  writer(options: { concurrency?: number } = {}): RecordWriter<I & { id?: string }, T> {
    return new RecordWriter((record) => this.insert(record), options.concurrency ?? 10);
  }

  /** Writes missing partition entries and removes stale ones (after a crash or a partition change). */
  rebuildPartitions(options: Abortable & { concurrency?: number } = {}): Promise<RebuildReport> {
    return rebuildPartitions(this.rt, options);
  }

  private async insertOnce(input: Row, options: InsertOptions): Promise<Doc<T>> {
    const data = await this.hooks.run('beforeInsert', { ...input } as Doc<T>);
    const id = (data as Row).id ?? (await this.rt.idGenerator());
    assertValidId(id);
    const now = new Date().toISOString();
    const fields = withoutId(data as Row);
    if (this.rt.timestamps) {
      const keep = options.keepTimestamps === true;
      Object.assign(fields, {
        createdAt: (keep && fields.createdAt) || now,
        updatedAt: (keep && fields.updatedAt) || now,
      });
    }
    const doc = await this.createRecord(id, fields, options);
    return this.hooks.run('afterInsert', doc);
  }

  private async createRecord(id: string, fields: Row, options: Abortable): Promise<Doc<T>> {
    const record = this.rt.current.schema.validate(fields);
    const entries = keysOf(this.rt, record, id);
    if (this.rt.conditional) await putEntries(this.rt, entries, options);
    else {
      // No create-only PUT here: check with a HEAD, alongside the entries (a refused insert leaves extra
      // entries behind either way, which queries re-check and rebuildPartitions() removes).
      const [exists] = await Promise.all([
        this.existsOnce(id, options),
        putEntries(this.rt, entries, options),
      ]);
      if (exists) throw this.alreadyExists(id);
    }
    try {
      await writeRecord(this.rt, id, record, { create: true }, options);
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
      const info = await this.rt.port.head(recordKey(this.rt.name, id), options).catch(() => undefined);
      if (!info?.metadata[TOMBSTONE]) throw this.alreadyExists(id);
      try {
        await writeRecord(this.rt, id, record, { etag: info.etag }, options);
      } catch (again) {
        throw BucketkitError.is(again, 'PreconditionFailed') ? this.alreadyExists(id) : again;
      }
    }
    return { ...record, id } as Doc<T>;
  }

  /** The compare-and-swap loop of update and replace: read, compute, validate, write if unchanged. */
  private async rewrite(
    id: string,
    options: WriteOptions,
    compute: (current: Row) => Promise<Row>,
  ): Promise<Doc<T>> {
    assertValidId(id);
    const retries = options.retries ?? this.rt.retries;
    for (let attempt = 0; ; attempt++) {
      const current = await readRecord(this.rt, id, options);
      if (!current) throw this.notFound(id);
      let next = await compute(current.record);
      if (this.rt.timestamps) next = { ...next, updatedAt: new Date().toISOString() };
      const previous = current.record as Doc<T>;
      next = (await this.hooks.run('beforeUpdate', { ...next, id } as Doc<T>, { id, previous })) as Row;
      const record = this.rt.current.schema.validate(withoutId(next));
      const diff = diffEntries(keysOf(this.rt, current.record, id), keysOf(this.rt, record, id));
      await putEntries(this.rt, diff.added, options);
      let etag: string;
      try {
        ({ etag } = await writeRecord(
          this.rt,
          id,
          record,
          { etag: current.etag, previous: current },
          options,
        ));
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
        if (attempt >= retries) throw this.lostRace(id, attempt + 1, err);
        await backoff(attempt, options.signal);
        continue;
      }
      await settleEntries(this.rt, id, diff, etag, options);
      return this.hooks.run('afterUpdate', { ...record, id } as Doc<T>, { id, previous });
    }
  }

  private async deleteOnce(id: string, options: WriteOptions): Promise<boolean> {
    assertValidId(id);
    const retries = options.retries ?? this.rt.retries;
    for (let attempt = 0; ; attempt++) {
      const current: ReadRecord | undefined = await readRecord(this.rt, id, options);
      if (!current) return false;
      const doc = current.record as Doc<T>;
      await this.hooks.run('beforeDelete', doc, { id });
      const key = recordKey(this.rt.name, id);
      if (this.rt.paranoid) {
        await this.rt.port.copy(key, trashKey(this.rt.name, id), {
          ...(this.rt.conditional ? { ifSourceMatch: current.etag } : {}),
          ...signalOf(options),
        });
      }
      let tombstone: string;
      try {
        tombstone = await writeTombstone(this.rt, id, current, options);
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
        if (attempt >= retries) throw this.lostRace(id, attempt + 1, err);
        await backoff(attempt, options.signal);
        continue;
      }
      const stale = keysOf(this.rt, current.record, id);
      await settleEntries(this.rt, id, { added: [], stale }, tombstone, options);
      if (!this.rt.paranoid) await this.rt.port.delete(contentKey(this.rt.name, id), options);
      await this.hooks.run('afterDelete', doc, { id });
      return true;
    }
  }

  private alreadyExists(id: string) {
    return bkError(
      'PreconditionFailed',
      `"${this.rt.name}" already has a record "${id}"; use update(), replace() or upsert() to change it`,
      { details: { id, resource: this.rt.name, exists: true } },
    );
  }

  private lostRace(id: string, attempts: number, cause: unknown) {
    return bkError(
      'PreconditionFailed',
      `record "${id}" of "${this.rt.name}" kept changing under this write (${attempts} attempts); retry it or raise "retries"`,
      { cause, details: { id, resource: this.rt.name, attempts, retryable: true } },
    );
  }
}
