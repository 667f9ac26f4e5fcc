/**
 * The read side of a resource: get, exists, listings, pages, counts and queries. LIST cannot return
 * metadata, so reading N records costs one LIST per 1,000 ids plus N GETs, `concurrency` at a time;
 * `listIds` and `count` cost LISTs only.
 */
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
import type { Doc, ManyOptions, PageResult, QueryOptions } from './types.js';

type Row = Record<string, unknown>;
const BATCH = 100;

export class ResourceReads<T extends Row = Row> {
  /** The resource's name. */
  readonly name: string;

  constructor(
    protected readonly rt: ResourceRuntime,
    protected readonly hooks: HookRegistry<Doc<T>>,
  ) {
    this.name = rt.name;
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
    return mapLimit(ids, options.concurrency ?? 10, (id) => this.read(id, signalOf(options), true));
  }

  /** True when the record exists (one HEAD). */
  exists(id: string, options: Abortable = {}): Promise<boolean> {
    return this.hooks.call('exists', [id, options], ([i, o]) => this.existsOnce(i as string, o as Abortable));
  }

  /** The ids of the records, in key order (LIST only). */
  async *listIds(options: Abortable = {}): AsyncGenerator<string> {
    const prefix = dataPrefix(this.rt.name);
    for await (const entry of this.rt.port.list({ prefix, pageSize: 1000, ...signalOf(options) })) {
      if (entry.type === 'object' && entry.etag !== TOMBSTONE_ETAG) yield entry.key.slice(prefix.length);
    }
  }

  /** Every record, in id order; pages past 1,000 transparently. */
  async *list(options: ManyOptions = {}): AsyncGenerator<Doc<T>> {
    yield* this.readAll(this.listIds(options), options);
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
    const ids: string[] = [];
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
      ids.push(entry.key.slice(prefix.length));
    }
    const docs = await mapLimit(ids, options.concurrency ?? 10, (id) =>
      this.read(id, signalOf(options), false),
    );
    const items = docs.filter((d): d is Doc<T> => d !== undefined);
    return more ? { items, nextCursor: ids.at(-1)! } : { items };
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
        for await (const _ of this.listIds(opts)) n++;
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
    const ids = plan ? (await this.partitionIds(plan.prefixes, options)).keys() : this.listIds(options);
    for await (const doc of this.readAll(ids, options)) {
      // Index entries may be stale (a crash, a concurrent move): the record itself decides.
      if (matches(doc, filter)) yield doc;
    }
  }

  /** Reads the records of `ids` in batches, `concurrency` GETs at a time, keeping the order. */
  protected async *readAll(
    ids: AsyncIterable<string> | Iterable<string>,
    options: ManyOptions,
  ): AsyncGenerator<Doc<T>> {
    let batch: string[] = [];
    const flush = async () => {
      const docs = await mapLimit(batch, options.concurrency ?? 10, (id) =>
        this.read(id, signalOf(options), false),
      );
      batch = [];
      return docs.filter((d): d is Doc<T> => d !== undefined);
    };
    for await (const id of ids) {
      batch.push(id);
      if (batch.length >= Math.max(BATCH, (options.concurrency ?? 10) * 4)) yield* await flush();
    }
    if (batch.length > 0) yield* await flush();
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
  protected async read(id: string, options: Abortable, runBefore: boolean): Promise<Doc<T> | undefined> {
    throwIfAborted(options.signal);
    let target = id;
    if (runBefore) target = (await this.hooks.run('beforeGet', { id })).id;
    assertValidId(target);
    const read = await readRecord(this.rt, target, options);
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
