/**
 * The in-memory side of the fulltext plugin: tokenizing, an inverted index per field, and BM25 scoring
 * of queries with AND (space), OR and prefix (`term*`) terms.
 */

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

/** One field's postings: term → (record number → term frequency), and each record's length. */
class FieldIndex {
  readonly postings = new Map<string, Map<number, number>>();
  lengths = new Float64Array(1024);
  count = 0;
  totalLength = 0;
  private sorted: string[] | undefined;

  add(doc: number, counts: Record<string, number>): void {
    let length = 0;
    for (const [term, tf] of Object.entries(counts)) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Map();
        this.postings.set(term, posting);
        this.sorted = undefined;
      }
      posting.set(doc, tf);
      length += tf;
    }
    if (doc >= this.lengths.length) {
      const grown = new Float64Array(Math.max(doc + 1, this.lengths.length * 2));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[doc] = length;
    this.totalLength += length;
    this.count++;
  }

  remove(doc: number, counts: Record<string, number>): void {
    for (const term of Object.keys(counts)) {
      const posting = this.postings.get(term);
      posting?.delete(doc);
      if (posting?.size === 0) {
        this.postings.delete(term);
        this.sorted = undefined;
      }
    }
    this.totalLength -= this.lengths[doc] ?? 0;
    this.lengths[doc] = 0;
    this.count--;
  }

  /** The indexed terms that start with `prefix`. */
  termsStartingWith(prefix: string): string[] {
    this.sorted ??= [...this.postings.keys()].sort();
    const terms = this.sorted;
    let low = 0;
    let high = terms.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (terms[mid]! < prefix) low = mid + 1;
      else high = mid;
    }
    const out: string[] = [];
    for (let i = low; i < terms.length && terms[i]!.startsWith(prefix); i++) out.push(terms[i]!);
    return out;
  }
}

const K1 = 1.2;
const B = 0.75;

/** An inverted index of one resource's records, by field; records are numbered for typed-array scoring. */
export class InvertedIndex {
  private readonly fields = new Map<string, FieldIndex>();
  private readonly records = new Map<string, { doc: number; terms: RecordTerms }>();
  private readonly ids: string[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.records.size;
  }

  /** Indexes (or re-indexes) a record. */
  set(id: string, terms: RecordTerms): void {
    this.delete(id);
    const doc = this.free.pop() ?? this.ids.length;
    this.ids[doc] = id;
    this.records.set(id, { doc, terms });
    for (const [field, counts] of Object.entries(terms)) this.field(field).add(doc, counts);
  }

  delete(id: string): void {
    const old = this.records.get(id);
    if (!old) return;
    this.records.delete(id);
    for (const [field, counts] of Object.entries(old.terms)) this.field(field).remove(old.doc, counts);
    this.free.push(old.doc);
  }

  /**
   * Records matching `query`, best first: words are ANDed, `OR` between words separates alternatives,
   * `word*` matches every word starting with `word`.
   */
  search(query: string, fields: readonly string[], limit: number): SearchHit[] {
    const size = this.ids.length;
    const best = new Float64Array(size);
    for (const group of parseQuery(query)) {
      const sum = new Float64Array(size);
      const matched = new Uint16Array(size);
      const seen = new Int32Array(size).fill(-1);
      group.forEach((term, t) => {
        this.scoreTerm(term, fields, (doc, score) => {
          sum[doc]! += score;
          if (seen[doc] !== t) {
            seen[doc] = t;
            matched[doc]!++;
          }
        });
      });
      for (let doc = 0; doc < size; doc++) {
        if (matched[doc] === group.length && sum[doc]! > best[doc]!) best[doc] = sum[doc]!;
      }
    }
    return this.top(best, limit);
  }

  /** The `limit` best-scoring records (ties by id), without sorting every match. */
  private top(scores: Float64Array, limit: number): SearchHit[] {
    const hits: SearchHit[] = [];
    const better = (a: SearchHit, b: SearchHit) => a.score > b.score || (a.score === b.score && a.id < b.id);
    for (let doc = 0; doc < scores.length; doc++) {
      const score = scores[doc]!;
      if (score <= 0) continue;
      const hit = { id: this.ids[doc]!, score };
      if (hits.length === limit && !better(hit, hits[limit - 1]!)) continue;
      let at = hits.length < limit ? hits.length : limit - 1;
      hits[at] = hit;
      while (at > 0 && better(hits[at]!, hits[at - 1]!)) {
        [hits[at - 1], hits[at]] = [hits[at]!, hits[at - 1]!];
        at--;
      }
    }
    return limit <= 0 ? [] : hits;
  }

  private scoreTerm(
    term: { text: string; prefix: boolean },
    fields: readonly string[],
    add: (doc: number, score: number) => void,
  ): void {
    const n = this.records.size;
    for (const name of fields) {
      const field = this.fields.get(name);
      if (!field) continue;
      const average = field.count === 0 ? 1 : field.totalLength / field.count || 1;
      const lengths = field.lengths;
      const words = term.prefix ? field.termsStartingWith(term.text) : [term.text];
      for (const word of words) {
        const posting = field.postings.get(word);
        if (!posting) continue;
        const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
        for (const [doc, tf] of posting) {
          add(doc, (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lengths[doc]!) / average)));
        }
      }
    }
  }

  private field(name: string): FieldIndex {
    let field = this.fields.get(name);
    if (!field) {
      field = new FieldIndex();
      this.fields.set(name, field);
    }
    return field;
  }
}

/** `a b OR c*` → [[a, b], [c*]]. */
export function parseQuery(query: string): { text: string; prefix: boolean }[][] {
  const groups: { text: string; prefix: boolean }[][] = [[]];
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
