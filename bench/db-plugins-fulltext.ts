/**
 * The fulltext rows of bench/db-plugins.ts: bucketkit's fulltext() and s3db.js's FullTextPlugin over the
 * same 100,000 articles (bench/fulltext-corpus.ts), both databases in process memory (bucketkit's
 * memoryStorage, s3db.js's `memory://`), the same queries through each plugin's own `search`.
 *
 * What each side's index build is:
 * - bucketkit: the records inserted through the plugin (each insert writes the record and its term
 *   object), then the first `search`, which loads the index from the bucket (LIST + one GET a record).
 * - s3db.js: its insert hook calls `indexRecord` (fire-and-forget), which keeps the index in memory; its
 *   bucket copy is written only by `saveIndexes()` (on `stop()`, one query of the whole index resource per
 *   changed word), so that is not timed. `indexRecord` checks membership with `Array.includes`, quadratic
 *   in a word's record count: it is timed on the first `S3DB_INDEXED` records, and the rest of its index is
 *   filled with the same words and ids directly (what its `loadIndexes()` would read back).
 */
import { Database } from '../src/db/index.js';
import { fulltext } from '../src/db/plugins/fulltext.js';
import { memoryStorage } from '../src/storage/index.js';
import type { S3dbConstructor } from './db-s3db.js';
import { s3dbPlugins } from './db-s3db.js';
import { type Article, articles, vocabulary } from './fulltext-corpus.js';

export const ARTICLES = 100_000;
const S3DB_INDEXED = 10_000;
const FIELDS = ['title', 'body'] as const;

export interface FulltextQuery {
  label: string;
  bucketkit: string;
  s3db: string;
  /** s3db.js's `exactMatch`: false makes every word a prefix. */
  exactMatch: boolean;
}

/** Single word, two words, a prefix; chosen by frequency rank in the vocabulary. */
export function fulltextQueries(words: readonly string[]): FulltextQuery[] {
  const prefix = words[0]!.slice(0, 3);
  return [
    { label: 'one word (rank 300)', bucketkit: words[300]!, s3db: words[300]!, exactMatch: true },
    {
      label: 'two words, AND (ranks 20, 40)',
      bucketkit: `${words[20]} ${words[40]}`,
      s3db: `${words[20]} ${words[40]}`,
      exactMatch: true,
    },
    { label: `prefix "${prefix}*"`, bucketkit: `${prefix}*`, s3db: prefix, exactMatch: false },
  ];
}

/** A library's fulltext search, with its index built. */
export interface FulltextSubject {
  name: 'bucketkit' | 's3db.js';
  /** How the index was built, in ms, by step. */
  build: Record<string, number>;
  /** Ids of the best 20 hits. */
  search(query: FulltextQuery): Promise<string[]>;
  close(): Promise<void>;
}

export async function bucketkitFulltext(corpus: readonly Article[]): Promise<FulltextSubject> {
  const plugin = fulltext({ fields: { articles: FIELDS } });
  const db = await new Database({ storage: memoryStorage(), plugins: [plugin] }).connect();
  const resource = await db.createResource({
    name: 'articles',
    attributes: { title: 'string', body: 'string' },
  });
  let started = performance.now();
  for (let i = 0; i < corpus.length; i += 500) await resource.insertMany(corpus.slice(i, i + 500));
  const insert = performance.now() - started;
  started = performance.now();
  await plugin.search('articles', 'warmup');
  const load = performance.now() - started;
  return {
    name: 'bucketkit',
    build: {
      [`insert ${corpus.length} records with the plugin`]: insert,
      'load the index (first search)': load,
    },
    search: async (query) =>
      (await plugin.search('articles', query.bucketkit, { limit: 20 })).map((h) => h.id),
    close: () => db.disconnect(),
  };
}

export async function s3dbFulltext(
  S3db: S3dbConstructor,
  corpus: readonly Article[],
): Promise<FulltextSubject> {
  const { FullTextPlugin } = await s3dbPlugins();
  const plugin = new FullTextPlugin({ fields: { articles: [...FIELDS] } });
  const db = new S3db({ connectionString: 'memory://bench/fulltext', logLevel: 'silent', plugins: [plugin] });
  await db.connect();
  await db.createResource({ name: 'articles', attributes: { title: 'string', body: 'string' } });
  const indexed = Math.min(S3DB_INDEXED, corpus.length);
  const started = performance.now();
  for (const article of corpus.slice(0, indexed))
    await plugin.indexRecord('articles', article.id, { ...article });
  const build = performance.now() - started;
  for (const article of corpus.slice(indexed)) {
    for (const field of FIELDS) {
      for (const word of new Set(plugin.tokenize(article[field]))) {
        if (word.length < plugin.config.minWordLength) continue;
        const key = `articles:${field}:${word}`;
        const entry = plugin.indexes.get(key) ?? { recordIds: [], count: 0 };
        entry.recordIds.push(article.id);
        entry.count = entry.recordIds.length;
        plugin.indexes.set(key, entry);
      }
    }
  }
  return {
    name: 's3db.js',
    build: { [`indexRecord of the first ${indexed} records`]: build },
    search: async (query) =>
      (await plugin.search('articles', query.s3db, { limit: 20, exactMatch: query.exactMatch })).map(
        (h) => h.recordId,
      ),
    // its stop() would save the whole index to the bucket, one query per word: not part of the row
    close: async () => undefined,
  };
}

/** `runs` timed searches of `query`: p50 and p95 in ms, and the hits of the last one. */
export async function timeSearch(
  subject: FulltextSubject,
  query: FulltextQuery,
  runs: number,
): Promise<{ p50: number; p95: number; hits: string[] }> {
  const times: number[] = [];
  let hits: string[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    hits = await subject.search(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p95: at(0.95), hits };
}

/** The corpus and its vocabulary (ranked most frequent first). */
export function fulltextCorpus(count = ARTICLES): { words: string[]; corpus: Article[] } {
  const words = vocabulary();
  return { words, corpus: [...articles(count, words)] };
}
