/**
 * The fulltext plugin on the file port and on Ceph RGW: AND, OR and prefix terms, fields, limits and
 * BM25 order; updates and deletes keep the index in step; another process reads the same index from
 * the bucket; records stored before the plugin are indexed by rebuild().
 */
import { expect, test } from 'vitest';
import { Database } from '../../../src/db/index.js';
import { fulltext } from '../../../src/db/plugins/fulltext.js';
import { parseQuery, tokenize } from '../../../src/db/plugins/fulltext-index.js';
import type { StoragePort } from '../../../src/storage/index.js';
import { cephFixture, fileFixture } from '../ports.js';
import { onEachBackend } from './backends.js';

const ATTRIBUTES = { title: 'string|required', body: 'string', tags: 'array|items:string' } as const;
const FIELDS = { articles: ['title', 'body', 'tags'] };

test('words are lowercased without accents; queries split into OR groups of ANDed terms', () => {
  expect(tokenize('Crème Brûlée, S3-compatible   storage!')).toEqual([
    'creme',
    'brulee',
    's3',
    'compatible',
    'storage',
  ]);
  expect(parseQuery('quick fox* OR  lazy-dog')).toEqual([
    [
      { text: 'quick', prefix: false },
      { text: 'fox', prefix: true },
    ],
    [
      { text: 'lazy', prefix: false },
      { text: 'dog', prefix: false },
    ],
  ]);
  expect(parseQuery('OR * ')).toEqual([]);
});

onEachBackend('fulltext', { file: fileFixture, ceph: cephFixture }, (env) => {
  const open = async (port: StoragePort, plugins = [fulltext({ fields: FIELDS })]) => {
    const db = await new Database({ storage: port, plugins }).connect();
    env.cleanup.push(() => db.disconnect());
    const articles = await db.createResource({ name: 'articles', attributes: ATTRIBUTES });
    return { db, articles, text: plugins[0]! };
  };

  test('AND, OR and prefix terms, fields and limit, best first; writes keep it in step', async () => {
    const port = await env.ports.make();
    env.cleanup.push(async () => port.close?.());
    const { articles, text } = await open(port);
    const a = await articles.insert({
      title: 'Object storage on a bucket',
      body: 'storage storage storage everywhere',
    });
    const b = await articles.insert({ title: 'Buckets of paint', body: 'a story about storage rooms' });
    const c = await articles.insert({ title: 'Quick start', body: 'nothing here', tags: ['Storage'] });
    const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

    const storage = await text.search('articles', 'storage');
    expect(ids(storage).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(storage[0]!.id).toBe(a.id); // four occurrences beat one
    expect(storage.every((h, i) => i === 0 || h.score <= storage[i - 1]!.score)).toBe(true);
    expect(ids(await text.search('articles', 'storage bucket'))).toEqual([a.id]);
    expect(ids(await text.search('articles', 'bucket*')).sort()).toEqual([a.id, b.id].sort());
    expect(ids(await text.search('articles', 'paint OR quick')).sort()).toEqual([b.id, c.id].sort());
    expect(ids(await text.search('articles', 'storage', { fields: ['title'] }))).toEqual([a.id]);
    expect(await text.search('articles', 'storage', { limit: 2 })).toHaveLength(2);
    expect(await text.search('articles', 'nowhere')).toEqual([]);
    const wrongField = await text.search('articles', 'x', { fields: ['nope'] }).catch((e) => e.code);
    expect(wrongField).toBe('InvalidArgument');

    await articles.update(a.id, { title: 'Renamed', body: 'nothing' });
    await articles.delete(b.id);
    expect(ids(await text.search('articles', 'storage'))).toEqual([c.id]);
    expect(ids(await text.search('articles', 'renamed'))).toEqual([a.id]);

    // another process reads the same index from the bucket
    const other = await open(port);
    expect(ids(await other.text.search('articles', 'storage OR renamed')).sort()).toEqual(
      [a.id, c.id].sort(),
    );
    await other.articles.insert({ title: 'Storage, theirs' });
    expect(await text.search('articles', 'theirs')).toEqual([]);
    await text.refresh('articles');
    expect(await text.search('articles', 'theirs')).toHaveLength(1);
  });

  test('rebuild() indexes records stored before the plugin was added', async () => {
    const port = await env.ports.make();
    env.cleanup.push(async () => port.close?.());
    const before = await open(port, []);
    await before.articles.insert({ title: 'Written without an index' });
    await before.articles.insert({ title: 'Another unindexed one' });
    const { text } = await open(port);
    expect(await text.search('articles', 'unindexed')).toEqual([]);
    expect(await text.rebuild('articles')).toEqual({ indexed: 2 });
    await text.refresh('articles');
    expect(await text.search('articles', 'unindexed OR without')).toHaveLength(2);
  });
});
