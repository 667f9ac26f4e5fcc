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

class FieldIndex {
  readonly postings = new Map<string, Map<string, number>>();
  readonly lengths = new Map<string, number>();
  totalLength = 0;
  private sorted: string[] | undefined;

  add(id: string, counts: Record<string, number>): void {
    let length = 0;
    for (const [term, tf] of Object.entries(counts)) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Map();
        this.postings.set(term, posting);
        this.sorted = undefined;
      }
      posting.set(id, tf);
      length += tf;
    }
    this.lengths.set(id, length);
    this.totalLength += length;
  }

  remove(id: string, counts: Record<string, number>): void {
    for (const term of Object.keys(counts)) {
      const posting = this.postings.get(term);
      posting?.delete(id);
      if (posting?.size === 0) {
        this.postings.delete(term);
        this.sorted = undefined;
      }
    }
    this.totalLength -= this.lengths.get(id) ?? 0;
    this.lengths.delete(id);
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

/** An inverted index of one resource's records, by field. */
export class InvertedIndex {
  private readonly fields = new Map<string, FieldIndex>();
  private readonly records = new Map<string, RecordTerms>();

  get size(): number {
    return this.records.size;
  }

  /** Indexes (or re-indexes) a record. */
  set(id: string, terms: RecordTerms): void {
    this.delete(id);
    this.records.set(id, terms);
    for (const [field, counts] of Object.entries(terms)) this.field(field).add(id, counts);
  }

  delete(id: string): void {
    const old = this.records.get(id);
    if (!old) return;
    this.records.delete(id);
    for (const [field, counts] of Object.entries(old)) this.field(field).remove(id, counts);
  }

  /**
   * Records matching `query`, best first: words are ANDed, `OR` between words separates alternatives,
   * `word*` matches every word starting with `word`.
   */
  search(query: string, fields: readonly string[], limit: number): SearchHit[] {
    const groups = parseQuery(query);
    const scores = new Map<string, number>();
    for (const group of groups) {
      let matched: Map<string, number> | undefined;
      for (const term of group) {
        const termScores = this.scoreTerm(term, fields);
        if (!matched) matched = termScores;
        else {
          const next = new Map<string, number>();
          for (const [id, score] of matched) {
            const more = termScores.get(id);
            if (more !== undefined) next.set(id, score + more);
          }
          matched = next;
        }
        if (matched.size === 0) break;
      }
      for (const [id, score] of matched ?? []) scores.set(id, Math.max(scores.get(id) ?? 0, score));
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  private scoreTerm(term: { text: string; prefix: boolean }, fields: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    const n = this.records.size;
    for (const name of fields) {
      const field = this.fields.get(name);
      if (!field) continue;
      const average = field.lengths.size === 0 ? 1 : field.totalLength / field.lengths.size;
      const words = term.prefix ? field.termsStartingWith(term.text) : [term.text];
      for (const word of words) {
        const posting = field.postings.get(word);
        if (!posting) continue;
        const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
        for (const [id, tf] of posting) {
          const length = field.lengths.get(id) ?? 0;
          const score = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / average));
          out.set(id, (out.get(id) ?? 0) + score);
        }
      }
    }
    return out;
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
