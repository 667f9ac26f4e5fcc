/** Splits a PromQL query into tokens with their offsets; a bad character or string is a parse error. */
import { syntaxError } from './errors.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's text; for strings the unquoted value; for numbers and durations as written. */
  text: string;
  pos: number;
}

/** Longest first, so `==` is not read as `=` `=`. */
const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '=', '<', '>', '+', '-', '*', '/', '%', '^', '@'];
const PUNCTUATION = '{}()[],:';
const DURATION = /^(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_:])/;
/** Inside `[…]` a duration may be followed by the `:` of a subquery (`[30m:1m]`). */
const RANGE_DURATION = /^(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_])/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![A-Za-z0-9_:.])/;
const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/**
 * Tokenizes a query (comments `# …` to the end of a line are skipped).
 *
 * @example
 * ```ts
 * lexPromQL('rate(x[5m])').map((t) => t.text); // ['rate', '(', 'x', '[', '5m', ']', ')', '']
 * ```
 */
export function lexPromQL(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let brackets = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const end = readString(query, i);
      tokens.push({ kind: 'string', text: end.value, pos: i });
      i = end.next;
      continue;
    }
    const rest = query.slice(i, i + 256);
    const duration = (brackets > 0 ? RANGE_DURATION : DURATION).exec(rest);
    if (duration) {
      tokens.push({ kind: 'duration', text: duration[0], pos: i });
      i += duration[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    // a metric name may start with ':', but inside `[…]` it is the subquery's separator
    const ident = brackets > 0 && c === ':' ? null : IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => query.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      if (c === '[') brackets++;
      else if (c === ']' && brackets > 0) brackets--;
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw syntaxError(query, i, `unexpected character: ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', pos: query.length });
  return tokens;
}

/** A quoted string from `start`: Go's escapes in '…' and "…", none in `…`. */
function readString(query: string, start: number): { value: string; next: number } {
  const quote = query[start]!;
  let value = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i]!;
    if (c === quote) return { value, next: i + 1 };
    if (c === '\n' && quote !== '`') break;
    if (c !== '\\' || quote === '`') {
      value += c;
      i++;
      continue;
    }
    const e = query[i + 1];
    if (e === undefined) break;
    if (ESCAPES[e] !== undefined) {
      value += ESCAPES[e];
      i += 2;
      continue;
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const digits = query.slice(i + 2, i + 2 + hex);
    if (hex > 0 && /^[0-9a-fA-F]+$/.test(digits) && digits.length === hex) {
      const code = Number.parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) break;
      value += String.fromCodePoint(code);
      i += 2 + hex;
      continue;
    }
    const octal = query.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(octal) && Number.parseInt(octal, 8) < 256) {
      value += String.fromCharCode(Number.parseInt(octal, 8));
      i += 4;
      continue;
    }
    throw syntaxError(query, i, `unknown escape sequence \\${e}`);
  }
  throw syntaxError(query, start, 'unterminated quoted string');
}
