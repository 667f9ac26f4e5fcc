import { englishWords } from './dictionary.js';

/** The placeholders variable parts of a message become (LakeRunner's token class names, plus `<IPv6>`). */
export const PLACEHOLDER = {
  identifier: '<Identifier>',
  url: '<Url>',
  duration: '<Duration>',
  date: '<Date>',
  time: '<Time>',
  number: '<Number>',
  bool: '<Bool>',
  loglevel: '<Loglevel>',
  ipv4: '<IPv4>',
  ipv6: '<IPv6>',
  httpMethod: '<HTTPMethod>',
  uuid: '<UUID>',
  email: '<Email>',
  path: '<Path>',
  fqdn: '<FQDN>',
  iso8601: '<ISO8601>',
  moduleName: '<ModuleName>',
  quotedString: '<QuotedString>',
  list: '<List>',
} as const;

/** Where classified tokens go; `levelSeen` is true once a `<Loglevel>` was emitted. */
export interface TokenSink {
  readonly levelSeen: boolean;
  emit(token: string): void;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic']);
const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);
const TOP_LEVEL_DOMAINS = new Set(
  'com net org io dev app cloud ai co me info biz gov edu mil int local internal lan corp svc cluster us uk de fr nl eu jp cn ru br in au ca ch se no es it pl'.split(
    ' ',
  ),
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;
const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DATE =
  /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}\/[a-z]{3}\/\d{4}(:\d{2}:\d{2}:\d{2})?)$/i;
const TIME = /^\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?(\/\d{1,2})?$/;
const IPV6 = /^\[?[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\]?(:\d{1,5})?$/i;
const NUMBER = /^[+-]?(\d+(\.\d+)?([eE][+-]?\d+)?%?|0x[0-9a-f]+|\d+(\.\d+){2,})$/i;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/i;
const HEX = /^[0-9a-f]+$/i;
const SIZE = /^\d+(\.\d+)?([kmgtp]i?b?|b|bytes)$/i;
const PATH_EXTENSION = /\.[a-z][a-z0-9]{0,4}$/i;
const CAMEL_PARTS = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

/** Word characters beyond ASCII letters/digits that stay inside a word; anything else splits it. */
function isInnerWordChar(code: number): boolean {
  return code === 45 || code === 46 || code === 95 || code === 39 || code > 127; // - . _ ' and non-ASCII
}

function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Leading/trailing characters a word sheds before it is classified (sentence and option punctuation). */
function isEdgePunctuation(code: number): boolean {
  return (
    code === 46 || code === 58 || code === 39 || code === 45 || code === 35 || code === 36 || code === 64
  );
}

/**
 * Classifies one whitespace-separated word and emits its token(s): a placeholder for variable parts, the
 * lowercase word for dictionary words, nothing for short non-words and punctuation. Words made of several
 * parts (`key:value`, `a+b`) are split and each part classified.
 *
 * @example
 * ```ts
 * classifyWord('10.0.0.1:8080', sink); // emits '<IPv4>'
 * ```
 */
export function classifyWord(raw: string, sink: TokenSink, depth = 0): void {
  const leadingDot = raw.startsWith('./') || raw.startsWith('../');
  let start = 0;
  let end = raw.length;
  while (start < end && isEdgePunctuation(raw.charCodeAt(start)) && !leadingDot) start++;
  while (end > start && isEdgePunctuation(raw.charCodeAt(end - 1))) end--;
  if (start >= end) return;
  const word = start === 0 && end === raw.length ? raw : raw.slice(start, end);
  const token = tokenOf(word, leadingDot, sink.levelSeen, depth);
  if (token !== SPLIT) {
    if (token !== undefined) sink.emit(token);
    return;
  }
  let partStart = 0;
  for (let i = 0; i <= word.length; i++) {
    const code = i < word.length ? word.charCodeAt(i) : 32;
    if (isAsciiAlnum(code) || isInnerWordChar(code)) continue;
    if (i > partStart) classifyWord(word.slice(partStart, i), sink, depth + 1);
    partStart = i + 1;
  }
}

/** `tokenOf`'s answer for a word of several parts, each to be classified on its own. */
const SPLIT = '';

/** The token of a trimmed word, undefined to drop it, or `SPLIT`. */
function tokenOf(word: string, leadingDot: boolean, levelSeen: boolean, depth: number): string | undefined {
  let digits = 0;
  let letters = 0;
  let upper = 0;
  let dots = 0;
  let splitters = 0;
  let slashes = 0;
  let colons = 0;
  let at = 0;
  let backslash = false;
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
    else if (code >= 97 && code <= 122) letters++;
    else if (code >= 65 && code <= 90) {
      letters++;
      upper++;
    } else if (code === 46) dots++;
    else if (!isInnerWordChar(code)) {
      splitters++;
      if (code === 47) slashes++;
      else if (code === 58) colons++;
      else if (code === 64) at++;
      else if (code === 92) backslash = true;
    } else if (code > 127) letters++;
  }
  if (letters === 0 && digits === 0) return undefined;

  const first = word.charCodeAt(0);
  if ((first === 47 || first === 126 || leadingDot) && slashes > 0) return PLACEHOLDER.path;
  if (backslash) return PLACEHOLDER.path;
  // all digits: NUMBER matches (and nothing before it can), so the regular expressions are skipped
  if (digits === word.length) return PLACEHOLDER.number;
  if (digits > 0) {
    const placeholder = numericPlaceholder(word, dots, colons, splitters);
    if (placeholder) return placeholder;
  }
  if (colons > 0 && word.includes('://')) return PLACEHOLDER.url;
  if (word.length === 36 && UUID.test(word)) return PLACEHOLDER.uuid;
  if (at === 1 && EMAIL.test(word)) return PLACEHOLDER.email;
  if (colons >= 2 && IPV6.test(word)) return PLACEHOLDER.ipv6;
  if (splitters > 0) {
    if (slashes > 0 && splitters === slashes && PATH_EXTENSION.test(word)) return PLACEHOLDER.path;
    return depth > 1 ? PLACEHOLDER.identifier : SPLIT;
  }
  if (dots > 0) return dottedPlaceholder(word, digits, upper);
  return wordToken(word, digits, letters, upper, levelSeen);
}

/** Placeholders for words with digits: dates, times, addresses, numbers, durations, sizes. */
function numericPlaceholder(
  word: string,
  dots: number,
  colons: number,
  splitters: number,
): string | undefined {
  if (dots === 3 && IPV4.test(word)) return PLACEHOLDER.ipv4;
  // every pattern below but HEX's starts with a digit (NUMBER's also with a sign): most ids skip them all
  const first = word.charCodeAt(0);
  const digitFirst = first >= 48 && first <= 57;
  const numberFirst = digitFirst || first === 43 || first === 45;
  if (numberFirst && (splitters === 0 || word.includes('+')) && NUMBER.test(word)) return PLACEHOLDER.number;
  // A hex id may happen to be all digits: both are numbers, or one id would give two patterns.
  if (splitters === 0 && dots === 0 && word.length >= 6 && HEX.test(word)) return PLACEHOLDER.number;
  if (!digitFirst) return undefined;
  if (word.length >= 16 && ISO8601.test(word)) return PLACEHOLDER.iso8601;
  if (word.length >= 6 && DATE.test(word)) return PLACEHOLDER.date;
  if (colons > 0 && TIME.test(word)) return PLACEHOLDER.time;
  if (splitters === 0 && DURATION.test(word)) return PLACEHOLDER.duration;
  if (splitters === 0 && SIZE.test(word)) return PLACEHOLDER.number;
  return undefined;
}

/** A dotted word without other punctuation: a host name, a module/class name, or a version-like id. */
function dottedPlaceholder(word: string, digits: number, upper: number): string {
  if (upper > 0) return digits === 0 ? PLACEHOLDER.moduleName : PLACEHOLDER.identifier;
  const lastDot = word.lastIndexOf('.');
  const tld = word.slice(lastDot + 1).toLowerCase();
  if (TOP_LEVEL_DOMAINS.has(tld)) return PLACEHOLDER.fqdn;
  return digits === 0 ? PLACEHOLDER.moduleName : PLACEHOLDER.identifier;
}

/** A word of letters, digits, `-`, `_`, `'`: a level, method, bool, dictionary word or identifier. */
function wordToken(
  word: string,
  digits: number,
  letters: number,
  upper: number,
  levelSeen: boolean,
): string | undefined {
  if (upper === letters && upper === word.length && HTTP_METHODS.has(word) && word !== 'TRACE') {
    return PLACEHOLDER.httpMethod;
  }
  const lower = word.toLowerCase();
  // every level is 4–7 characters: most words skip hashing a new string for the set
  if (!levelSeen && lower.length >= 4 && lower.length <= 7 && LEVELS.has(lower)) return PLACEHOLDER.loglevel;
  if (lower === 'true' || lower === 'false') return PLACEHOLDER.bool;
  if (digits === 0 && word.length >= 8 && HEX.test(word)) return PLACEHOLDER.number;
  const plain = lower.includes("'") ? lower.replaceAll("'", '') : lower;
  if (digits === 0 && isDictionaryWord(word, plain)) return plain;
  return word.length >= 4 ? PLACEHOLDER.identifier : undefined;
}

/** True when the word, or each of its camelCase/snake_case/kebab-case parts, is an English word. */
function isDictionaryWord(word: string, plain: string): boolean {
  const words = englishWords();
  if (words.has(plain)) return true;
  const parts = word.match(CAMEL_PARTS);
  if (!parts || parts.length < 2) return false;
  for (const part of parts) if (!words.has(part.toLowerCase())) return false;
  return true;
}
