/**
 * The fulltext plugin: word search over chosen string fields. Each indexed record's term counts are an
 * object in the bucket (`plugin=fulltext/<resource>/<id>`), written by the same insert, update or delete
 * that changes the record, so every process keeps the index in step. A process searches an inverted
 * index in memory, loaded from those objects on its first search and updated by its own writes;
 * `refresh()` reloads it to see other processes' writes, `rebuild()` indexes records already stored.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { Database } from '../database.js';
import type { Plugin } from '../plugin.js';
import { InvertedIndex, type RecordTerms, recordTerms, type SearchHit } from './fulltext-index.js';

export type { SearchHit } from './fulltext-index.js';

export interface FulltextOptions {
  /** The fields to index, by resource: `{ articles: ['title', 'body', 'author.name'] }`. */
  fields: Readonly<Record<string, readonly string[]>>;
}

export interface SearchOptions {
  /** Search only these of the indexed fields (default all). */
  fields?: readonly string[];
  /** At most this many hits (default 20). */
  limit?: number;
}

export interface FulltextPlugin extends Plugin {
  /**
   * Ids and relevance scores (BM25) of the records matching `query`, best first: words are ANDed, `OR`
   * separates alternatives, `word*` matches words starting with `word`; case and accents are ignored.
   */
  search(resource: string, query: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** Reloads the index of `resource` from the bucket (to see other processes' writes). */
  refresh(resource: string): Promise<void>;
  /** Indexes every stored record of `resource` (records written before the plugin was added). */
  rebuild(resource: string): Promise<{ indexed: number }>;
}

const ROOT = 'plugin=fulltext/';

/**
 * Creates the fulltext plugin.
 *
 * @example
 * ```ts
 * const text = fulltext({ fields: { articles: ['title', 'body'] } });
 * const db = await new Database({ connectionString: 'file://./data', plugins: [text] }).connect();
 * const hits = await text.search('articles', 'bucket OR storage*', { fields: ['title'], limit: 10 });
 * ```
 */
export function fulltext(options: FulltextOptions): FulltextPlugin {
  const indexes = new Map<string, Promise<InvertedIndex>>();
  const removers: (() => void)[] = [];
  let database: Database | undefined;

  const db = () => {
    if (!database)
      throw new TypeError('the fulltext plugin is not set up; add it to a connected database first');
    return database;
  };
  const fieldsOf = (resource: string) => {
    const fields = options.fields[resource];
    if (!fields) {
      throw bkError('InvalidArgument', `"${resource}" is not indexed; name it in fulltext({ fields })`, {
        details: { resource, indexed: Object.keys(options.fields) },
      });
    }
    return fields;
  };
  const keyOf = (resource: string, id: string) => `${ROOT}${resource}/${id}`;

  const load = async (resource: string): Promise<InvertedIndex> => {
    const port = db().port;
    const index = new InvertedIndex();
    const keys: string[] = [];
    for await (const entry of port.list({ prefix: `${ROOT}${resource}/` })) {
      if (entry.type === 'object') keys.push(entry.key);
    }
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          const terms = JSON.parse(await (await port.get(key)).text()) as RecordTerms;
          index.set(key.slice(ROOT.length + resource.length + 1), terms);
        } catch (err) {
          if (!BucketkitError.is(err, 'NotFound')) throw err; // deleted while loading
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return index;
  };
  const indexOf = (resource: string) => {
    let index = indexes.get(resource);
    if (!index) {
      index = load(resource);
      indexes.set(resource, index);
      index.catch(() => indexes.delete(resource));
    }
    return index;
  };

  const write = async (resource: string, record: Record<string, unknown> & { id?: string }) => {
    const fields = options.fields[resource];
    if (!fields || record.id === undefined) return;
    const terms = recordTerms(record, fields);
    await db().port.put(keyOf(resource, record.id), JSON.stringify(terms), {
      contentType: 'application/json',
    });
    const loaded = indexes.get(resource);
    if (loaded) (await loaded).set(record.id, terms);
  };
  const remove = async (resource: string, id: string | undefined) => {
    if (!options.fields[resource] || id === undefined) return;
    await db().port.delete(keyOf(resource, id));
    const loaded = indexes.get(resource);
    if (loaded) (await loaded).delete(id);
  };

  return {
    name: 'fulltext',
    setup(target: Database) {
      database = target;
      removers.push(
        target.addHook('afterInsert', async (doc, ctx) => {
          await write(ctx.resource, doc);
          return undefined;
        }),
        target.addHook('afterUpdate', async (doc, ctx) => {
          await write(ctx.resource, doc);
          return undefined;
        }),
        target.addHook('afterDelete', async (doc, ctx) => {
          await remove(ctx.resource, doc.id);
          return undefined;
        }),
      );
    },
    teardown() {
      for (const remove of removers.splice(0)) remove();
      indexes.clear();
      database = undefined;
    },
    async search(resource, query, searchOptions = {}) {
      const indexed = fieldsOf(resource);
      const fields = searchOptions.fields ?? indexed;
      const unknown = fields.filter((field) => !indexed.includes(field));
      if (unknown.length > 0) {
        throw bkError('InvalidArgument', `"${unknown.join('", "')}" of "${resource}" is not indexed`, {
          details: { resource, fields: unknown, indexed },
        });
      }
      return (await indexOf(resource)).search(query, fields, searchOptions.limit ?? 20);
    },
    async refresh(resource) {
      fieldsOf(resource);
      indexes.delete(resource);
      await indexOf(resource);
    },
    async rebuild(resource) {
      fieldsOf(resource);
      let indexed = 0;
      for await (const record of db().resource(resource).list()) {
        await write(resource, record);
        indexed++;
      }
      return { indexed };
    },
  };
}
