/** The token cursor the PromQL parser reads from, with Prometheus-style error messages. */
import { compileLabelRegex } from '../logql/regex.js';
import type { Matcher } from './ast.js';
import { syntaxError } from './errors.js';
import type { Token } from './lexer.js';

export class TokenStream {
  protected i = 0;

  constructor(
    protected readonly query: string,
    protected readonly tokens: Token[],
  ) {}

  protected get peek(): Token {
    return this.tokens[this.i]!;
  }

  protected next(): Token {
    return this.tokens[this.i++]!;
  }

  protected fail(token: Token, what: string): never {
    throw syntaxError(this.query, token.pos, what);
  }

  protected is(text: string): boolean {
    const t = this.peek;
    return (t.kind === 'op' || t.kind === 'punct') && t.text === text;
  }

  protected expect(text: string, context: string): Token {
    if (!this.is(text))
      this.fail(this.peek, `unexpected ${describe(this.peek)} ${context}, expected "${text}"`);
    return this.next();
  }

  expectEnd(): void {
    if (this.peek.kind !== 'eof') this.fail(this.peek, `unexpected ${describe(this.peek)}`);
  }
}

/** How a token is named in an error message. */
export function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'string') return `string ${JSON.stringify(t.text)}`;
  return `${t.kind === 'ident' ? 'identifier' : t.kind === 'punct' || t.kind === 'op' ? 'character' : t.kind} "${t.text}"`;
}

/** True when the matcher accepts an empty (absent) label, so it cannot select series alone. */
export function matchesEmpty(m: Matcher): boolean {
  if (m.op === '=') return m.value === '';
  if (m.op === '!=') return m.value !== '';
  try {
    const matches = compileLabelRegex(m.value).test('');
    return m.op === '=~' ? matches : !matches;
  } catch {
    return false;
  }
}

/** A number literal's value (`0x…`, `Inf`, `NaN` too). */
export function numberOf(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  return lower.startsWith('0x') ? Number.parseInt(lower.slice(2), 16) : Number(text);
}
