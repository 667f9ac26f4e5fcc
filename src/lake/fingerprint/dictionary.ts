import { FRONT_CODED_WORDS } from './wordlist.generated.js';

let words: Set<string> | undefined;

/**
 * The English words the fingerprint keeps as themselves (lowercase, a–z, apostrophes dropped), decoded once
 * from the front-coded list on first use (about 11 k words; a few milliseconds).
 *
 * @example
 * ```ts
 * englishWords().has('connection'); // true
 * ```
 */
export function englishWords(): ReadonlySet<string> {
  if (words) return words;
  const decoded = new Set<string>();
  const coded = FRONT_CODED_WORDS;
  let previous = '';
  let i = 0;
  while (i < coded.length) {
    const shared = coded.charCodeAt(i) - 48;
    let end = i + 1;
    while (end < coded.length && coded.charCodeAt(end) >= 97) end++;
    previous = previous.slice(0, shared) + coded.slice(i + 1, end);
    decoded.add(previous);
    i = end;
  }
  words = decoded;
  return words;
}
