/**
 * The keys of the message index: which 8-character grams of `log_message` a segment's bloom filter holds,
 * and which of them a text needle requires. Shared by the writer (`message-index.ts`) and the query side
 * (`query/message-filter.ts`), so both always cut text the same way.
 *
 * A message is cut into tokens: maximal runs of characters that are not ASCII separators (everything but
 * `[A-Za-z0-9_]` and non-ASCII is a separator-free token character), ASCII letters lowercased. Tokens shorter
 * than `GRAM` carry no key (they are words and small numbers, present in nearly every segment). A longer
 * token contributes its grams starting at 0, `STRIDE`, 2·`STRIDE`, … and its last gram. A needle then needs:
 * - a token with a separator on both sides inside the needle (a whole token of the message): all its grams;
 * - a token with a separator only before it (a prefix of a message token): its grams at 0, `STRIDE`, …;
 * - a token with a separator only after it (a suffix): its last gram;
 * - a needle inside one token (an infix, alignment unknown): for one of the `STRIDE` alignments, all grams
 *   at that alignment — an OR of ANDs.
 * Every key a needle requires is one every matching message gave, so pruning never drops a match.
 */

/** Characters per gram. */
export const GRAM = 8;
/** Distance between indexed grams of a token. */
export const STRIDE = 4;

/** Calls `each(start, end)` for every token of `text` (ASCII separators split; `end` exclusive). */
export function forEachToken(text: string, each: (start: number, end: number) => void): void {
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isTokenChar(text.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      each(start, i);
      start = -1;
    }
  }
  if (start >= 0) each(start, text.length);
}

function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

/**
 * The 32-bit hash pair of `text[start, start + GRAM)`, ASCII lowercased: `a` picks the bloom partition and
 * the probe step, `b` the first probe. Two FNV-1a variants with a murmur finaliser each.
 */
export function gramHash(text: string, start: number): [number, number] {
  hashGram(text, start);
  return [hashA, hashB];
}

/**
 * Passes the hash pair (`gramHash`) of every gram of `text` the index holds to `keys.add`: for each token
 * (`forEachToken`) of at least `GRAM` characters, its grams at 0, `STRIDE`, … and its last. The writer's
 * path: no array per gram.
 *
 * @example
 * ```ts
 * addGramHashes('order ord-5e1f0c2a9d created', pairSet);
 * ```
 */
export function addGramHashes(text: string, keys: { add(a: number, b: number): void }): void {
  forEachToken(text, (start, end) => {
    const length = end - start;
    if (length < GRAM) return;
    for (let at = 0; at + GRAM <= length; at += STRIDE) {
      hashGram(text, start + at);
      keys.add(hashA, hashB);
    }
    if ((length - GRAM) % STRIDE !== 0) {
      hashGram(text, end - GRAM);
      keys.add(hashA, hashB);
    }
  });
}

/** The last pair `hashGram` computed (module scratch: the writer's path allocates nothing per gram). */
let hashA = 0;
let hashB = 0;

function hashGram(text: string, start: number): void {
  let a = 0x811c9dc5;
  let b = 0x2f1b3c4d;
  for (let i = start; i < start + GRAM; i++) {
    let c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  hashA = fmix(a);
  hashB = fmix(b ^ (b >>> 13));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * What a substring needle requires of a message's grams: an OR of ANDs of gram texts (lowercased), or null
 * when it requires none (no token of the needle is long enough).
 *
 * @example
 * ```ts
 * needleGrams('order ord-5e1f0c2a9d failed'); // [['5e1f0c2a']] (a whole token of 10: grams at 0 and 2)
 * ```
 */
export function needleGrams(needle: string): string[][] | null {
  const all: string[] = [];
  const alternatives: string[][] = [];
  forEachToken(needle, (start, end) => {
    const token = needle.slice(start, end).replace(/[A-Z]/g, (c) => c.toLowerCase());
    const afterSeparator = start > 0;
    const beforeSeparator = end < needle.length;
    if (token.length < GRAM) return;
    if (afterSeparator) {
      // a whole token or a prefix: the grams at the stride from its start are the message token's own
      for (let at = 0; at + GRAM <= token.length; at += STRIDE) all.push(token.slice(at, at + GRAM));
      if (beforeSeparator) all.push(token.slice(-GRAM));
    } else if (beforeSeparator) {
      all.push(token.slice(-GRAM)); // a suffix of a message token: only its last gram is known
    } else {
      // inside one token: one of the stride's alignments holds, each needs all its grams
      const aligned: string[][] = [];
      for (let align = 0; align < STRIDE; align++) {
        const grams: string[] = [];
        for (let at = align; at + GRAM <= token.length; at += STRIDE) grams.push(token.slice(at, at + GRAM));
        if (grams.length === 0) return; // an alignment with no whole gram requires nothing
        aligned.push(grams);
      }
      alternatives.push(...aligned);
    }
  });
  if (alternatives.length > 0) return alternatives.map((grams) => [...new Set([...all, ...grams])]);
  return all.length > 0 ? [[...new Set(all)]] : null;
}
