/**
 * The fingerprint tokenizer as it was before its hot path was tuned (2026-12-06): the oracle
 * test/lake/fingerprint-oracle.test.ts compares src/lake/fingerprint against. Do not change it.
 */
import { classifyWord, PLACEHOLDER, type TokenSink } from './classify.js';

/** A fingerprint is made of at most this many tokens (as LakeRunner's). */
export const MAX_TOKENS = 15;

/** ASCII characters that end a word: whitespace and bracketing/assignment punctuation. */
const SEPARATOR = new Uint8Array(128);
for (let code = 0; code <= 32; code++) SEPARATOR[code] = 1;
for (const char of ',;(){}<>|="`[]!?*&^') SEPARATOR[char.charCodeAt(0)] = 1;
SEPARATOR[127] = 1;

function isSeparator(code: number): boolean {
  if (code < 128) return SEPARATOR[code] === 1;
  return (
    code === 0xa0 || code === 0x85 || (code >= 0x2000 && code <= 0x200b) || code === 0x3000 || code === 0xfeff
  );
}

function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

class Tokens implements TokenSink {
  readonly list: string[] = [];
  levelSeen = false;

  get full(): boolean {
    return this.list.length >= MAX_TOKENS;
  }

  emit(token: string): void {
    if (this.full) return;
    if (token === PLACEHOLDER.loglevel) this.levelSeen = true;
    if (token === PLACEHOLDER.identifier && this.list[this.list.length - 1] === token) return;
    this.list.push(token);
  }
}

/**
 * The tokens of one plain-text log line as the fingerprint sees them: ANSI codes stripped, cut at the first
 * line break, quoted strings and bracketed lists as placeholders, every word classified (see `classifyWord`),
 * runs of `<Identifier>` collapsed, at most `MAX_TOKENS`.
 *
 * @example
 * ```ts
 * tokenizeLine('ERROR connection to 10.0.0.7:5432 refused after 30ms');
 * // ['<Loglevel>', 'connection', 'to', '<IPv4>', 'refused', 'after', '<Duration>']
 * ```
 */
export function tokenizeLine(text: string): string[] {
  const line = firstLine(stripAnsi(text));
  const tokens = new Tokens();
  const n = line.length;
  let i = 0;
  while (i < n && !tokens.full) {
    const code = line.charCodeAt(i);
    if (code === 34 || code === 96 || (code === 39 && startsQuote(line, i))) {
      const close = closingQuote(line, i);
      if (close > i) {
        tokens.emit(PLACEHOLDER.quotedString);
        i = close + 1;
        continue;
      }
      i++;
      continue;
    }
    if (code === 91) {
      const close = line.indexOf(']', i + 1);
      if (close > i && line.lastIndexOf(',', close) > i) {
        tokens.emit(PLACEHOLDER.list);
        i = close + 1;
        continue;
      }
    }
    if (isSeparator(code)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && !isSeparator(line.charCodeAt(i))) {
      if (line.charCodeAt(i) === 58 && line.startsWith('://', i)) i = urlEnd(line, i);
      else i++;
    }
    classifyWord(line.slice(start, i), tokens);
  }
  return tokens.list;
}

/** A single quote opens a quoted string only at a word start (an apostrophe inside "can't" does not). */
function startsQuote(line: string, at: number): boolean {
  return at === 0 || !isAsciiAlnum(line.charCodeAt(at - 1));
}

/** The index of the quote closing the one at `open` (backslash escapes honoured), or -1. */
function closingQuote(line: string, open: number): number {
  const quote = line.charCodeAt(open);
  for (let i = open + 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 92) i++;
    else if (code === quote) {
      if (quote !== 39 || i + 1 >= line.length || !isAsciiAlnum(line.charCodeAt(i + 1))) return i;
    }
  }
  return -1;
}

/** A URL runs to the next whitespace or closing bracket/quote, query string and all. */
function urlEnd(line: string, from: number): number {
  let i = from;
  while (i < line.length) {
    const code = line.charCodeAt(i);
    if (code <= 32 || code === 34 || code === 39 || code === 41 || code === 62 || code === 93 || code === 96)
      break;
    i++;
  }
  return i;
}

function firstLine(text: string): string {
  const trimmed = text.trim();
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code === 10 || code === 13) return trimmed.slice(0, i);
  }
  return trimmed;
}

/** Removes ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`, two-byte escapes). */
export function stripAnsi(text: string): string {
  if (!text.includes('\u001b')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code !== 27) {
      out += text[i];
      i++;
      continue;
    }
    const kind = text.charCodeAt(i + 1);
    i += 2;
    if (kind === 91) {
      while (i < text.length && !(text.charCodeAt(i) >= 64 && text.charCodeAt(i) <= 126)) i++;
      i++;
    } else if (kind === 93) {
      while (i < text.length && text.charCodeAt(i) !== 7 && text.charCodeAt(i) !== 27) i++;
      i += text.charCodeAt(i) === 27 ? 2 : 1;
    }
  }
  return out;
}
