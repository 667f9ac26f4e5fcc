/**
 * The db plugins' in-process rows: cached gets per second (the cache plugin's memory store, so no
 * storage request) and fulltext search time over 100,000 records (the in-memory index the plugin
 * searches; loading it from the bucket is not timed). Deterministic data; wall-clock, so expect noise
 * on a shared machine.
 *
 *   npx tsx bench/db-plugins.ts
 */
import { cache, Database } from '../src/db/index.js';
import { InvertedIndex, recordTerms } from '../src/db/plugins/fulltext-index.js';
import { memoryStorage } from '../src/storage/index.js';

async function cachedGets(): Promise<void> {
  const db = await new Database({ storage: memoryStorage(), plugins: [cache()] }).connect();
  const users = await db.createResource({
    name: 'users',
    attributes: { name: 'string|required', age: 'number', email: 'string' },
  });
  const ids: string[] = [];
  for (let i = 0; i < 100; i++)
    ids.push((await users.insert({ name: `user ${i}`, age: i, email: `u${i}@x.io` })).id);
  for (const id of ids) await users.get(id);
  const n = 200_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) await users.get(ids[i % ids.length]!);
  const seconds = (performance.now() - started) / 1000;
  console.log(`cached get (memory store, 100 records): ${Math.round(n / seconds).toLocaleString('en')}/s`);
  await db.disconnect();
}

function fulltextSearch(): void {
  const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x`);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  // skewed: low-numbered words are common (w0x is in nearly every record), high-numbered ones rare
  const text = (count: number) =>
    Array.from({ length: count }, () => words[Math.floor(random() ** 2 * words.length)]).join(' ');
  const index = new InvertedIndex();
  for (let i = 0; i < 100_000; i++)
    index.set(`id${i}`, recordTerms({ title: text(6), body: text(40) }, ['title', 'body']));
  for (const [label, query] of [
    ['one rare word', 'w3kx'],
    ['two common words (AND)', 'w1x w2x'],
    ['two words (OR)', 'w5x OR w9x'],
    ['a prefix of ~40 common words', 'w1*'],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 31; i++) {
      const started = performance.now();
      index.search(query, ['title', 'body'], 20);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`fulltext, 100,000 records, ${label}: p50 ${times[15]!.toFixed(1)} ms`);
  }
}

await cachedGets();
fulltextSearch();
