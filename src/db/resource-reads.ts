/**
 * The read side of a resource: get, exists, listings, pages, counts and queries. LIST cannot return
 * metadata, so reading N records costs one LIST per 1,000 ids plus N reads (a HEAD for a record that
 * lives wholly in metadata, else a GET), `concurrency` at a time; `listIds` and `count` cost LISTs only.
 */
import { z } from 'zod';
import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import type { Abortable } from '../storage/index.js';
import type { Filter } from './filter.js';
import { matches } from './filter.js';
import type { HookRegistry } from './hooks.js';
import { assertValidId, dataPrefix, idFromKey, recordKey } from './keys.js';
import { signalOf } from './partition-sync.js';
import { planPartition } from './partitions.js';
import { readRecord, TOMBSTONE, TOMBSTONE_ETAG } from './records.js';
import { mapLimit } from './retry.js';
import type { ResourceRuntime } from './runtime.js';
import type { Doc, ManyOptions, PageResult, QueryOptions, ResourceDescription } from './types.js';

type Row = Record<string, unknown>;
/** A record's id and its object's size, as a listing showed them. */
interface Listed {
  id: string;
  size: number;
}
/** GETs in flight when reading many records (list, query, page, stream), unless `concurrency` says otherwise. */
export const READ_CONCURRENCY = 32;

export class ResourceReads<T extends Row = Row> {
  /** The resource's name. */
  readonly name: string;

  constructor(
    protected readonly rt: ResourceRuntime,
    protected readonly hooks: HookRegistry<Doc<T>>,
  ) {
    this.name = rt.name;
  }

  /**
   * The current definition as tools need it: fields, behaviour, partitions, and the JSON Schema of a
   * record's input (what the CLI and the MCP server show and check against).
   *
   * @example
   * ```ts
   * const { fields, jsonSchema } = db.resource('users').describe();
   * fields.map((f) => `${f.path}: ${f.type}`); // ['name: string', 'age: integer']
   * ```
   */
  describe(): ResourceDescription {
    const { current } = this.rt;
    return {
      name: this.rt.name,
      version: current.id,
      behavior: this.rt.behavior,
      partitions: this.rt.partitions,
      timestamps: this.rt.timestamps,
      paranoid: this.rt.paranoid,
      fields: current.schema.fields,
      jsonSchema: z.toJSONSchema(current.schema.zod, { unrepresentable: 'any', io: 'input' }) as Record<
        string,
        unknown
      >,
    };
  }

  /** Reads a record. `NotFound` when it does not exist. */
  get(id: string, options: Abortable = {}): Promise<Doc<T>> {
    return this.hooks.call('get', [id, options], async ([i, o]) => {
      const { id: target } = await this.hooks.run('beforeGet', { id: i as string });
      const doc = await this.read(target, o as Abortable, false);
      if (!doc) throw this.notFound(target);
      return doc;
    });
  }

  /** Reads many records, `concurrency` at a time; a missing one is `undefined` at its place. */
  getMany(ids: readonly string[], options: ManyOptions = {}): Promise<(Doc<T> | undefined)[]> {
    return mapLimit(ids, options.concurrency ?? READ_CONCURRENCY, (id) =>
      this.read(id, signalOf(options), true),
    );
  }

  /** True when the record exists (one HEAD). */
  exists(id: string, options: Abortable = {}): Promise<boolean> {
    return this.hooks.call('exists', [id, options], ([i, o]) => this.existsOnce(i as string, o as Abortable));
  }

  /** The ids of the records, in key order (LIST only). */
  async *listIds(options: Abortable = {}): AsyncGenerator<string> {
    for await (const { id } of this.listed(options)) yield id;
  }

  /** Every record, in id order; pages past 1,000 transparently. */
  async *list(options: ManyOptions = {}): AsyncGenerator<Doc<T>> {
    yield* this.readAll(this.listed(options), options);
  }

  /** The records' ids with their sizes as listed, in key order, tombstones skipped (LIST only). */
  protected async *listed(options: Abortable): AsyncGenerator<Listed> {
    const prefix = dataPrefix(this.rt.name);
    for await (const entry of this.rt.port.list({ prefix, pageSize: 1000, ...signalOf(options) })) {
      if (entry.type === 'object' && entry.etag !== TOMBSTONE_ETAG) {
        yield { id: entry.key.slice(prefix.length), size: entry.size };
      }
    }
  }

  /** One page of records in id order; pass `nextCursor` back as `cursor` for the next one. */
  async page(
    options: Abortable & { size?: number; cursor?: string; concurrency?: number } = {},
  ): Promise<PageResult<T>> {
    const size = options.size ?? 100;
    if (!Number.isInteger(size) || size < 1 || size > 1000) {
      throw bkError('InvalidArgument', 'a page size is an integer from 1 to 1000', { details: { size } });
    }
    const prefix = dataPrefix(this.rt.name);
    const ids: Listed[] = [];
    let more = false;
    const startAfter = options.cursor === undefined ? undefined : recordKey(this.rt.name, options.cursor);
    for await (const entry of this.rt.port.list({
      prefix,
      pageSize: Math.min(1000, size + 1),
      ...(startAfter ? { startAfter } : {}),
      ...signalOf(options),
    })) {
      if (entry.type !== 'object' || entry.etag === TOMBSTONE_ETAG) continue;
      if (ids.length === size) {
        more = true;
        break;
      }
      ids.push({ id: entry.key.slice(prefix.length), size: entry.size });
    }
    const docs = await mapLimit(ids, options.concurrency ?? READ_CONCURRENCY, ({ id, size }) =>
      this.read(id, signalOf(options), false, size),
    );
    const items = docs.filter((d): d is Doc<T> => d !== undefined);
    return more ? { items, nextCursor: ids.at(-1)!.id } : { items };
  }

  /**
   * Counts records (LIST only). With a filter that a partition answers completely (equality or `in` on
   * its fields), it counts that partition's entries; any other filter reads the records.
   */
  count(filter: Filter = {}, options: ManyOptions = {}): Promise<number> {
    return this.hooks.call('count', [filter, options], async ([f, o]) => {
      const where = f as Filter;
      const opts = o as ManyOptions;
      if (Object.keys(where).length === 0) {
        let n = 0;
        for await (const _ of this.listed(opts)) n++;
        return n;
      }
      const plan = planPartition(this.rt.name, this.rt.partitions, where);
      if (plan && plan.fields.length === Object.keys(where).length)
        return (await this.partitionIds(plan.prefixes, opts)).size;
      let n = 0;
      for await (const _ of this.scan(where, opts)) n++;
      return n;
    });
  }

  /**
   * The records matching `filter` (equality, `in`, `ne`, `gt`/`gte`/`lt`/`lte` on any dot path). When a
   * partition covers the filter's leading equality fields, only that partition's records are read.
   */
  query(filter: Filter, options: QueryOptions = {}): Promise<Doc<T>[]> {
    return this.hooks.call('query', [filter, options], async ([f, o]) => {
      const out: Doc<T>[] = [];
      const limit = (o as QueryOptions).limit ?? Number.POSITIVE_INFINITY;
      if (limit <= 0) return out;
      for await (const doc of this.scan(f as Filter, o as QueryOptions)) {
        out.push(doc);
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  /** The records matching `filter`, as they are read (the engine of `query` and `stream`). */
  async *scan(filter: Filter, options: ManyOptions = {}): AsyncGenerator<Doc<T>> {
    const plan = planPartition(this.rt.name, this.rt.partitions, filter);
    const ids = plan ? (await this.partitionIds(plan.prefixes, options)).keys() : this.listed(options);
    for await (const doc of this.readAll(ids, options)) {
      // Index entries may be stale (a crash, a concurrent move): the record itself decides.
      if (matches(doc, filter)) yield doc;
    }
  }

  /**
   * Reads the records of `ids` in order with up to `concurrency` GETs in flight: a sliding window, so
   * one slow GET holds back only what follows it, never a whole batch.
   */
  protected async *readAll(
    ids: AsyncIterable<string | Listed> | Iterable<string | Listed>,
    options: ManyOptions,
  ): AsyncGenerator<Doc<T>> {
    const limit = Math.max(1, options.concurrency ?? READ_CONCURRENCY);
    const signal = signalOf(options);
    const window: Promise<Doc<T> | undefined>[] = [];
    const start = (item: string | Listed) => {
      const read =
        typeof item === 'string'
          ? this.read(item, signal, false)
          : this.read(item.id, signal, false, item.size);
      // awaited in order below; this only keeps a failure that is not reached yet from counting as unhandled
      read.catch(() => {});
      window.push(read);
    };
    for await (const item of ids) {
      start(item);
      if (window.length >= limit) {
        const doc = await window.shift()!;
        if (doc) yield doc;
      }
    }
    while (window.length > 0) {
      const doc = await window.shift()!;
      if (doc) yield doc;
    }
  }

  /** The ids under partition prefixes: one LIST request per 1,000 entries. */
  protected async partitionIds(prefixes: readonly string[], options: Abortable): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const prefix of prefixes) {
      for await (const entry of this.rt.port.list({ prefix, pageSize: 1000, ...signalOf(options) })) {
        if (entry.type === 'object') ids.add(idFromKey(entry.key)!);
      }
    }
    return ids;
  }

  /** Reads one record through the get hooks; `undefined` when missing. */
  protected async read(
    id: string,
    options: Abortable,
    runBefore: boolean,
    listedSize?: number,
  ): Promise<Doc<T> | undefined> {
    throwIfAborted(options.signal);
    let target = id;
    if (runBefore) target = (await this.hooks.run('beforeGet', { id })).id;
    assertValidId(target);
    // a beforeGet hook that redirects makes the listed size someone else's
    const size = target === id ? listedSize : undefined;
    const read = await readRecord(this.rt, target, options, recordKey(this.rt.name, target), size);
    if (!read) return undefined;
    return this.hooks.run('afterGet', read.record as Doc<T>, { id: target });
  }

  protected async existsOnce(id: string, options: Abortable): Promise<boolean> {
    assertValidId(id);
    try {
      const info = await this.rt.port.head(recordKey(this.rt.name, id), options);
      return !info.metadata[TOMBSTONE];
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return false;
      throw err;
    }
  }

  protected notFound(id: string) {
    return bkError('NotFound', `"${this.rt.name}" has no record "${id}"`, {
      details: { id, resource: this.rt.name },
    });
  }
}
