/** Splits a LogQL query into tokens, each with its offset; a bad character or string is `InvalidArgument`. */
import { syntaxError } from './errors.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's text; for strings, the unquoted value. */
  text: string;
  /** Offset of the token's first character in the query. */
  pos: number;
}

const OPERATORS = [
  '|=',
  '|~',
  '!=',
  '!~',
  '=~',
  '==',
  '>=',
  '<=',
  '=',
  '>',
  '<',
  '|',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
];
const PUNCTUATION = '{}()[],';
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Tokenizes a query.
 *
 * @example
 * ```ts
 * lex('{app="api"} |= "x"').map((t) => t.text); // ['{', 'app', '=', 'api', '}', '|=', 'x', '']
 * ```
 */
export function lex(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
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
    if (c === '"' || c === '`') {
      const [value, end] = c === '`' ? rawString(query, i) : quotedString(query, i);
      tokens.push({ kind: 'string', text: value, pos: i });
      i = end;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    const rest = query.slice(i, i + 64);
    const duration = DURATION.exec(rest);
    if (duration && !/[a-zA-Z0-9_]/.test(query[i + duration[0].length] ?? '')) {
      tokens.push({ kind: 'duration', text: duration[0], pos: i });
      i += duration[0].length;
      continue;
    }
    const number = /[0-9.]/.test(c) ? NUMBER.exec(query.slice(i)) : null;
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(query.slice(i, i + 1024));
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
    throw syntaxError(query, i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', pos: query.length });
  return tokens;
}

function rawString(query: string, start: number): [string, number] {
  const end = query.indexOf('`', start + 1);
  if (end < 0) throw syntaxError(query, start, 'unterminated raw string (missing closing `)');
  return [query.slice(start + 1, end), end + 1];
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  "'": "'",
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** A Go-style double-quoted string (as Loki reads them): `\\`, `\"`, `\n`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`. */
function quotedString(query: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i]!;
    if (c === '"') return [out, i + 1];
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = query[i + 1];
    if (e !== undefined && ESCAPES[e] !== undefined) {
      out += ESCAPES[e];
      i += 2;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = query.slice(i + 2, i + 2 + width);
    const code =
      width > 0 && /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? Number.parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff) {
      throw syntaxError(
        query,
        i,
        `invalid escape in string; write a backslash as \\\\ or use a \`raw string\``,
      );
    }
    out += String.fromCodePoint(code);
    i += 2 + width;
  }
  throw syntaxError(query, start, 'unterminated string (missing closing ")');
}
