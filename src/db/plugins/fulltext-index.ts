/**
 * The in-memory side of the fulltext plugin: tokenizing, an inverted index per field, and BM25 scoring
 * of queries with AND (space), OR and prefix (`term*`) terms.
 */
import { FieldPostings, type Posting } from './fulltext-postings.js';

/** Lowercased words without diacritics: runs of letters and digits. */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Term frequencies of each indexed field of one record: what is stored per record in the bucket. */
export type RecordTerms = Record<string, Record<string, number>>;

/** The terms of `fields` of a record (strings, and strings inside arrays). */
export function recordTerms(record: Record<string, unknown>, fields: readonly string[]): RecordTerms {
  const out: RecordTerms = {};
  for (const field of fields) {
    const counts: Record<string, number> = {};
    for (const token of tokenize(textOf(pathValue(record, field)))) counts[token] = (counts[token] ?? 0) + 1;
    out[field] = counts;
  }
  return out;
}

function pathValue(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join(' ');
  return typeof value === 'number' ? String(value) : '';
}

/** One search hit: the record id and its relevance (higher is better). */
export interface SearchHit {
  id: string;
  score: number;
}

const K1 = 1.2;
const B = 0.75;

type Term = { text: string; prefix: boolean };

/** Per-record work arrays of a search, reused by the next one; a stamp marks what this search wrote. */
class Scratch {
  readonly stamp: Uint32Array;
  readonly sum: Float64Array;
  readonly matched: Uint16Array;
  readonly lastTerm: Int32Array;
  readonly bestStamp: Uint32Array;
  readonly best: Float64Array;
  private counter = 0;

  constructor(readonly size: number) {
    this.stamp = new Uint32Array(size);
    this.sum = new Float64Array(size);
    this.matched = new Uint16Array(size);
    this.lastTerm = new Int32Array(size);
    this.bestStamp = new Uint32Array(size);
    this.best = new Float64Array(size);
  }

  next(): number {
    if (this.counter === 0xffffffff) {
      this.stamp.fill(0);
      this.bestStamp.fill(0);
      this.counter = 0;
    }
    return ++this.counter;
  }
}

/**
 * An inverted index of one resource's records, by field. A search costs in proportion to the postings
 * of its terms, not to the number of records: scores accumulate in reused typed arrays and only the
 * records a term touched are visited.
 */
export class InvertedIndex {
  private readonly fields = new Map<string, FieldPostings>();
  /** Record number → id; undefined once deleted (until `compact` renumbers). */
  private ids: (string | undefined)[] = [];
  private readonly numbers = new Map<string, number>();
  private dead = 0;
  private scratch = new Scratch(0);

  get size(): number {
    return this.numbers.size;
  }

  /** Indexes (or re-indexes) a record. */
  set(id: string, terms: RecordTerms): void {
    this.delete(id);
    const doc = this.ids.length;
    this.ids.push(id);
    this.numbers.set(id, doc);
    for (const field in terms) this.field(field).add(doc, terms[field]!);
  }

  delete(id: string): void {
    const doc = this.numbers.get(id);
    if (doc === undefined) return;
    this.numbers.delete(id);
    this.ids[doc] = undefined;
    for (const field of this.fields.values()) field.remove(doc);
    this.dead++;
    if (this.dead > 1024 && this.dead > this.numbers.size) this.compact();
  }

  /**
   * Records matching `query`, best first: words are ANDed, `OR` between words separates alternatives,
   * `word*` matches every word starting with `word`.
   */
  search(query: string, fields: readonly string[], limit: number): SearchHit[] {
    if (this.scratch.size < this.ids.length) this.scratch = new Scratch(Math.max(1024, this.ids.length * 2));
    const s = this.scratch;
    const best = s.next();
    const candidates: number[] = [];
    for (const group of parseQuery(query)) {
      const stamp = s.next();
      const touched: number[] = [];
      // rarest term first: later terms only add to the records it touched
      const terms = group
        .map((term) => ({ term, words: this.words(term, fields) }))
        .sort((a, b) => a.words.total - b.words.total);
      terms.forEach(({ words }, t) => {
        this.accumulate(words.byField, t, stamp, touched);
      });
      for (const doc of touched) {
        if (s.matched[doc] !== terms.length) continue;
        if (s.bestStamp[doc] !== best) {
          s.bestStamp[doc] = best;
          s.best[doc] = s.sum[doc]!;
          candidates.push(doc);
        } else if (s.sum[doc]! > s.best[doc]!) s.best[doc] = s.sum[doc]!;
      }
    }
    return this.top(candidates, s.best, limit);
  }

  /** The postings a term reads in each field (a prefix: every word it starts), and their total length. */
  private words(term: Term, fields: readonly string[]) {
    const byField: { field: FieldPostings; postings: Posting[] }[] = [];
    let total = 0;
    for (const name of fields) {
      const field = this.fields.get(name);
      if (!field) continue;
      const postings: Posting[] = [];
      for (const word of term.prefix ? field.termsStartingWith(term.text) : [term.text]) {
        const posting = field.postings.get(word);
        if (!posting) continue;
        postings.push(posting);
        total += posting.length;
      }
      byField.push({ field, postings });
    }
    return { byField, total };
  }

  /** Adds the BM25 score of term number `t` of a group to the records it matches. */
  private accumulate(
    byField: { field: FieldPostings; postings: Posting[] }[],
    t: number,
    stamp: number,
    touched: number[],
  ): void {
    const s = this.scratch;
    const n = this.numbers.size;
    for (const { field, postings } of byField) {
      const average = field.count === 0 ? 1 : field.totalLength / field.count || 1;
      const lengths = field.lengths;
      for (const { docs, counts, length } of postings) {
        let df = length;
        if (this.dead > 0) {
          df = 0;
          for (let i = 0; i < length; i++) if (lengths[docs[i]!] !== 0) df++;
        }
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        for (let i = 0; i < length; i++) {
          const doc = docs[i]!;
          const stored = lengths[doc]!;
          if (stored === 0) continue; // deleted
          if (s.stamp[doc] !== stamp) {
            if (t > 0) continue; // missed an earlier term of the group: cannot match them all
            s.stamp[doc] = stamp;
            s.sum[doc] = 0;
            s.matched[doc] = 0;
            s.lastTerm[doc] = -1;
            touched.push(doc);
          }
          const tf = counts[i]!;
          s.sum[doc]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * (stored - 1)) / average));
          if (s.lastTerm[doc] !== t) {
            s.lastTerm[doc] = t;
            s.matched[doc]!++;
          }
        }
      }
    }
  }

  /** The `limit` best-scoring candidates (ties by id), without sorting every match. */
  private top(candidates: readonly number[], scores: Float64Array, limit: number): SearchHit[] {
    if (limit <= 0) return [];
    const hits: SearchHit[] = [];
    const better = (a: SearchHit, b: SearchHit) => a.score > b.score || (a.score === b.score && a.id < b.id);
    for (const doc of candidates) {
      const score = scores[doc]!;
      if (score <= 0) continue;
      if (hits.length === limit && score < hits[limit - 1]!.score) continue;
      const hit = { id: this.ids[doc]!, score };
      if (hits.length === limit && !better(hit, hits[limit - 1]!)) continue;
      let at = hits.length < limit ? hits.length : limit - 1;
      hits[at] = hit;
      while (at > 0 && better(hits[at]!, hits[at - 1]!)) {
        [hits[at - 1], hits[at]] = [hits[at]!, hits[at - 1]!];
        at--;
      }
    }
    return hits;
  }

  /** Renumbers the live records densely and drops the postings of deleted ones. */
  private compact(): void {
    const renumber = new Int32Array(this.ids.length);
    const ids: string[] = [];
    this.ids.forEach((id, old) => {
      renumber[old] = id === undefined ? -1 : ids.length;
      if (id !== undefined) {
        this.numbers.set(id, ids.length);
        ids.push(id);
      }
    });
    for (const field of this.fields.values()) field.compact(renumber, ids.length);
    this.ids = ids;
    this.dead = 0;
  }

  private field(name: string): FieldPostings {
    let field = this.fields.get(name);
    if (!field) {
      field = new FieldPostings();
      this.fields.set(name, field);
    }
    return field;
  }
}

/** `a b OR c*` → [[a, b], [c*]]. */
export function parseQuery(query: string): Term[][] {
  const groups: Term[][] = [[]];
  for (const word of query.trim().split(/\s+/)) {
    if (word === 'OR') {
      if (groups.at(-1)!.length > 0) groups.push([]);
      continue;
    }
    const prefix = word.endsWith('*');
    const tokens = tokenize(prefix ? word.slice(0, -1) : word);
    // `new-york*`: the words of a prefix term are ANDed, the last one a prefix
    tokens.forEach((text, i) => {
      groups.at(-1)!.push({ text, prefix: prefix && i === tokens.length - 1 });
    });
  }
  return groups.filter((group) => group.length > 0);
}
