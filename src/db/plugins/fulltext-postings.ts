/**
 * One field's postings for the fulltext index, in typed arrays: for each term, the record numbers that
 * hold it (ascending) and how often. Records are numbered in insertion order and a number is never
 * reused until `compact`, so deleting a record only marks its number dead: readers skip dead numbers,
 * and `compact` drops them once they are many. (Maps of record → count per term took ~80 bytes a
 * posting and most of a 100,000-record search's time in garbage collection.)
 */

/** The records holding one term and the term's count in each; `length` entries are used. */
export class Posting {
  docs = new Int32Array(4);
  counts = new Uint16Array(4);
  length = 0;

  push(doc: number, count: number): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const counts = new Uint16Array(this.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.docs[this.length] = doc;
    this.counts[this.length] = Math.min(count, 0xffff);
    this.length++;
  }
}

/** One field: term → posting, each record's length in words (plus one; 0 when the record has no such field). */
export class FieldPostings {
  readonly postings = new Map<string, Posting>();
  /** Length + 1 by record number, 0 for a record without the field or a dead one. */
  lengths = new Uint32Array(1024);
  /** Live records with this field, and their total length. */
  count = 0;
  totalLength = 0;
  private sorted: string[] | undefined;

  add(doc: number, counts: Readonly<Record<string, number>>): void {
    let length = 0;
    for (const term in counts) {
      const count = counts[term]!;
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Posting();
        this.postings.set(term, posting);
        this.sorted = undefined;
      }
      posting.push(doc, count);
      length += count;
    }
    if (doc >= this.lengths.length) {
      const grown = new Uint32Array(Math.max(doc + 1, this.lengths.length * 2));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[doc] = length + 1;
    this.totalLength += length;
    this.count++;
  }

  /** Forgets a record's length; its postings stay until `compact` (readers skip dead records). */
  remove(doc: number): void {
    const stored = this.lengths[doc] ?? 0;
    if (stored === 0) return;
    this.totalLength -= stored - 1;
    this.count--;
    this.lengths[doc] = 0;
  }

  /** Renumbers records by `renumber` (-1: dead) and drops dead postings and terms left empty. */
  compact(renumber: Int32Array, size: number): void {
    for (const [term, posting] of this.postings) {
      let kept = 0;
      for (let i = 0; i < posting.length; i++) {
        const doc = renumber[posting.docs[i]!]!;
        if (doc < 0) continue;
        posting.docs[kept] = doc;
        posting.counts[kept] = posting.counts[i]!;
        kept++;
      }
      posting.length = kept;
      if (kept === 0) {
        this.postings.delete(term);
        this.sorted = undefined;
      }
    }
    const lengths = new Uint32Array(Math.max(1024, size));
    for (let old = 0; old < renumber.length; old++) {
      const doc = renumber[old]!;
      if (doc >= 0) lengths[doc] = this.lengths[old] ?? 0;
    }
    this.lengths = lengths;
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
