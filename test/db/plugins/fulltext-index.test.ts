/**
 * The fulltext plugin's in-memory index against a plain BM25 computed from the live records: the same
 * hits with the same scores after inserts, re-indexing and deletes, including deletes enough to make
 * the index renumber its records.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  InvertedIndex,
  parseQuery,
  type RecordTerms,
  type SearchHit,
} from '../../../src/db/plugins/fulltext-index.js';

const FIELDS = ['title', 'body'];

/** BM25 (k1 1.2, b 0.75) per field, summed over terms and fields, best group of an OR; as documented. */
function reference(records: Map<string, RecordTerms>, query: string, fields: readonly string[]): SearchHit[] {
  const n = records.size;
  const stats = new Map(
    fields.map((field) => {
      const withField = [...records.values()].flatMap((r) => (r[field] ? [r[field]] : []));
      const total = withField.reduce((a, c) => a + Object.values(c).reduce((x, y) => x + y, 0), 0);
      const df = new Map<string, number>();
      for (const c of withField) for (const word of Object.keys(c)) df.set(word, (df.get(word) ?? 0) + 1);
      return [field, { average: total / withField.length || 1, df }] as const;
    }),
  );
  const scores = new Map<string, number>();
  for (const group of parseQuery(query)) {
    for (const [id, terms] of records) {
      let sum = 0;
      let all = true;
      for (const term of group) {
        let matched = false;
        for (const field of fields) {
          const { average, df } = stats.get(field)!;
          const counts = terms[field];
          if (!counts) continue;
          const length = Object.values(counts).reduce((x, y) => x + y, 0);
          for (const [word, tf] of Object.entries(counts)) {
            if (term.prefix ? !word.startsWith(term.text) : word !== term.text) continue;
            matched = true;
            const d = df.get(word)!;
            const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
            sum += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
          }
        }
        all &&= matched;
      }
      if (all && sum > (scores.get(id) ?? 0)) scores.set(id, sum);
    }
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

function expectSame(index: InvertedIndex, records: Map<string, RecordTerms>, query: string, fields = FIELDS) {
  const want = reference(records, query, fields);
  const got = index.search(query, fields, 1_000_000);
  expect(got.map((h) => h.id).sort()).toEqual(want.map((h) => h.id).sort());
  const scores = new Map(want.map((h) => [h.id, h.score]));
  for (const hit of got) expect(hit.score).toBeCloseTo(scores.get(hit.id)!, 9);
  expect(got.every((h, i) => i === 0 || h.score <= got[i - 1]!.score)).toBe(true);
  // a limit keeps the best: the same scores as the first of all hits
  const top = index.search(query, fields, 3).map((h) => h.score);
  expect(top.length).toBe(Math.min(3, want.length));
  for (const [i, score] of top.entries()) expect(score).toBeCloseTo(want[i]!.score, 9);
}

const WORDS = ['alpha', 'alps', 'beta', 'bet', 'gamma', 'delta', 'deltas', 'omega'];
const counts = fc.dictionary(fc.constantFrom(...WORDS), fc.integer({ min: 1, max: 4 }), { maxKeys: 4 });
const terms = fc.record({ title: counts, body: counts });
const operation = fc.oneof(
  fc.record({ set: fc.integer({ min: 0, max: 12 }), terms }),
  fc.record({ delete: fc.integer({ min: 0, max: 12 }) }),
);

test('searches score as plain BM25 over the live records, whatever was set and deleted before', () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
      const index = new InvertedIndex();
      const records = new Map<string, RecordTerms>();
      for (const op of operations) {
        if ('set' in op) {
          index.set(`r${op.set}`, op.terms);
          records.set(`r${op.set}`, op.terms);
        } else {
          index.delete(`r${op.delete}`);
          records.delete(`r${op.delete}`);
        }
      }
      expect(index.size).toBe(records.size);
      for (const query of ['alpha', 'alpha beta', 'al*', 'bet* OR omega', 'delta* gamma', 'nothing'])
        expectSame(index, records, query);
      expectSame(index, records, 'alpha OR beta', ['title']);
    }),
    { numRuns: 60 },
  );
});

test('deleting most records renumbers the rest; searches stay right before and after', () => {
  const index = new InvertedIndex();
  const records = new Map<string, RecordTerms>();
  const word = (i: number) => WORDS[i % WORDS.length]!;
  for (let i = 0; i < 3000; i++) {
    const record = { title: { [word(i)]: 1 + (i % 3) }, body: { [word(i * 7)]: 1, [word(i + 3)]: 2 } };
    index.set(`r${i}`, record);
    records.set(`r${i}`, record);
  }
  expectSame(index, records, 'alpha delta*');
  for (let i = 0; i < 2600; i++) {
    if (i % 5 === 0) {
      const record = { title: { omega: 2 }, body: { [word(i)]: 1 } };
      index.set(`r${i}`, record); // re-indexed: its old postings are dead
      records.set(`r${i}`, record);
    } else {
      index.delete(`r${i}`);
      records.delete(`r${i}`);
    }
  }
  expect(index.size).toBe(records.size);
  for (const query of ['omega', 'alpha delta*', 'bet* OR gamma', 'omega alps'])
    expectSame(index, records, query);
  index.set('late', { title: { omega: 1 }, body: {} });
  records.set('late', { title: { omega: 1 }, body: {} });
  expectSame(index, records, 'omega');
});
