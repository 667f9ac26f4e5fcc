/**
 * The db plugins' in-process rows, bucketkit beside s3db.js 21.6.2's own plugins in the same run:
 * - cached `get`: cache() vs CachePlugin (memory driver) over the same s3rver, 1,000 records, the same
 *   key sequence, cache warm; every timed get must be a hit without an HTTP request.
 * - fulltext over 100,000 articles: fulltext() vs FullTextPlugin, both in process memory; index build,
 *   then p50/p95 of the same queries (one word, two words ANDed, a prefix) through each `search`.
 * Wall-clock on a shared machine: run it three times and quote medians with the load average it prints.
 *
 *   npm run bench:db-plugins
 *   npx tsx bench/db-plugins.ts --rows cache            # or --rows fulltext
 *   npx tsx bench/db-plugins.ts --gets 50000 --searches 21 --articles 20000
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tokenize } from '../src/db/plugins/fulltext-index.js';
import { startS3rver } from '../test/support/servers.js';
import {
  bucketkitCachedGets,
  type CachedGetSubject,
  s3dbCachedGets,
  timeCachedGets,
} from './db-plugins-cache.js';
import {
  ARTICLES,
  bucketkitFulltext,
  type FulltextSubject,
  fulltextCorpus,
  fulltextQueries,
  s3dbFulltext,
  timeSearch,
} from './db-plugins-fulltext.js';
import { loadS3db } from './db-s3db.js';
import type { Article } from './fulltext-corpus.js';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: 'cache,fulltext' },
    gets: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    searches: { type: 'string', default: '31' },
    articles: { type: 'string', default: String(ARTICLES) },
  },
});
const rows = new Set(flags.rows.split(','));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function cachedGetRows(): Promise<void> {
  const S3db = await loadS3db();
  const server = await startS3rver('bench');
  const run = Date.now().toString(36);
  const subjects: CachedGetSubject[] = [];
  try {
    subjects.push(await bucketkitCachedGets(server, `bk-${run}`));
    subjects.push(await s3dbCachedGets(S3db, server, `s3db-${run}`));
    const rates: Record<string, number[]> = { bucketkit: [], 's3db.js': [] };
    const right: Record<string, boolean> = { bucketkit: true, 's3db.js': true };
    const rounds = Number(flags.rounds);
    for (let round = 0; round < rounds; round++) {
      for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const { perSecond, allHits } = await timeCachedGets(subject, round, Number(flags.gets));
        rates[subject.name]!.push(perSecond);
        right[subject.name] &&= allHits;
      }
    }
    const bk = median(rates.bucketkit!);
    const peer = median(rates['s3db.js']!);
    console.log(
      `\ncached get, 1,000 records on s3rver, ${flags.gets} gets a round, median of ${rounds} rounds (load ${load()})\n`,
    );
    console.log('| library | gets/s | all hits, right record, no request | rounds |');
    console.log('| --- | ---: | --- | --- |');
    for (const [name, value] of [
      ['bucketkit cache()', bk],
      ['s3db.js CachePlugin (memory)', peer],
    ] as const) {
      const key = name.startsWith('bucketkit') ? 'bucketkit' : 's3db.js';
      console.log(
        `| ${name} | ${fmt(value)} | ${right[key] ? 'yes' : 'NO'} | ${rates[key]!.map(fmt).join(', ')} |`,
      );
    }
    console.log(`\nbucketkit / s3db.js: ${(bk / peer).toFixed(2)}×`);
  } finally {
    for (const subject of subjects) await subject.close();
    await server.stop();
  }
}

/** How many of `hits` hold every word of the query (a prefix term: some word starting with it). */
function matching(hits: string[], query: string, byId: Map<string, Article>): number {
  const terms = query.split(/\s+/);
  return hits.filter((id) => {
    const article = byId.get(id);
    if (!article) return false;
    const words = tokenize(`${article.title} ${article.body}`);
    return terms.every((term) =>
      term.endsWith('*') ? words.some((w) => w.startsWith(term.slice(0, -1))) : words.includes(term),
    );
  }).length;
}

async function fulltextRows(): Promise<void> {
  const S3db = await loadS3db();
  const { words, corpus } = fulltextCorpus(Number(flags.articles));
  const byId = new Map(corpus.map((a) => [a.id, a]));
  const queries = fulltextQueries(words);
  const prefix = words[0]!.slice(0, 3);
  const expanded = words.filter((w) => w.startsWith(prefix)).length;
  console.log(
    `\nfulltext, ${fmt(corpus.length)} articles (title 6 words, body 30–90, Zipf over ${fmt(words.length)} words; the prefix expands to ${expanded} words), ${flags.searches} searches a query (load ${load()})\n`,
  );
  const subjects: FulltextSubject[] = [];
  try {
    for (const make of [() => bucketkitFulltext(corpus), () => s3dbFulltext(S3db, corpus)]) {
      const subject = await make();
      subjects.push(subject);
      for (const [step, ms] of Object.entries(subject.build)) {
        console.log(`${subject.name} index build: ${step}: ${(ms / 1000).toFixed(2)} s (load ${load()})`);
      }
    }
    console.log(
      '\n| query | bucketkit p50 / p95 ms | s3db.js p50 / p95 ms | s3db.js p50 / bucketkit p50 | hits holding every term, bk / s3db |',
    );
    console.log('| --- | ---: | ---: | ---: | --- |');
    for (const query of queries) {
      const [bk, peer] = [
        await timeSearch(subjects[0]!, query, Number(flags.searches)),
        await timeSearch(subjects[1]!, query, Number(flags.searches)),
      ];
      console.log(
        `| ${query.label} | ${bk.p50.toFixed(1)} / ${bk.p95.toFixed(1)} | ${peer.p50.toFixed(1)} / ${peer.p95.toFixed(1)} | ${(peer.p50 / bk.p50).toFixed(1)}× | ${matching(bk.hits, query.bucketkit, byId)}/${bk.hits.length} / ${matching(peer.hits, query.bucketkit, byId)}/${peer.hits.length} |`,
      );
    }
    console.log(`(load ${load()})`);
  } finally {
    for (const subject of subjects) await subject.close();
  }
}

console.log(`db plugins — ${new Date().toISOString()}, Node ${process.version}, load ${load()}`);
if (rows.has('cache')) await cachedGetRows();
if (rows.has('fulltext')) await fulltextRows();
