/**
 * Seeded articles for the fulltext rows of bench/db-plugins.ts: a 20,000-word pseudo-English vocabulary
 * drawn with Zipf frequencies (rank r has weight 1/r, as in natural text), so a few words are in nearly
 * every record and most are rare. Every word has at least four letters, so s3db.js's FullTextPlugin
 * (which skips words shorter than three) indexes the same words bucketkit's does.
 */
import { randomText } from './random-text.js';

export interface Article {
  id: string;
  title: string;
  body: string;
}

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'st', 'tr', 'pl'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 'l', 'nt', 'st'];

/** The vocabulary, most frequent first; the same every run. */
export function vocabulary(size = 20_000): string[] {
  const { next, pick } = randomText(0x51f15e);
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + (next() % 3);
    let word = '';
    for (let i = 0; i < syllables; i++) word += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    if (word.length >= 4) words.add(word);
  }
  return [...words];
}

/**
 * `count` articles: a 6-word title and a 30–90-word body each.
 *
 * @example
 * ```ts
 * const words = vocabulary();
 * for (const article of articles(100_000, words)) index(article);
 * ```
 */
export function* articles(count: number, words: readonly string[]): Generator<Article> {
  const { next } = randomText(0xa17c1e5);
  // cumulative Zipf weights; a uniform draw is looked up by binary search
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) {
    total += 1 / (r + 1);
    cumulative[r] = total;
  }
  const word = () => {
    const target = (next() / 0x1_0000_0000) * total;
    let low = 0;
    let high = words.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return words[low]!;
  };
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  for (let i = 0; i < count; i++) {
    yield { id: `article-${String(i).padStart(6, '0')}`, title: text(6), body: text(30 + (next() % 61)) };
  }
}
