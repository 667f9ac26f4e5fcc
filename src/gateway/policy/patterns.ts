/** The wildcard patterns of policy documents and the error a bad document is refused with. */
import type { BucketkitError } from '../../errors.js';
import { s3Error } from '../s3-errors.js';
import type { ContextValues } from './conditions.js';

/**
 * `400 MalformedPolicy` with what is wrong, as S3 refuses a policy it cannot use.
 *
 * @example
 * ```ts
 * throw malformed('Missing required field Effect');
 * ```
 */
export function malformed(message: string): BucketkitError {
  return s3Error('MalformedPolicy', 400, message);
}

/** Tests a string against one policy pattern (`context` fills in the pattern's policy variables). */
export interface Matcher {
  test(value: string, context?: ContextValues): boolean;
}

const SPECIAL = /[.+^${}()|[\]\\*?]/g;

/**
 * A policy wildcard as a matcher: `*` any run of characters, `?` one character, the rest literal.
 * Patterns without wildcards compare as strings and `prefix*` as a prefix (the common cases, several
 * times faster than a RegExp). With `ignoreCase` the pattern is lower-cased: test lower-cased values.
 *
 * @example
 * ```ts
 * wildcard('s3:Get*', true).test('s3:getobject'); // true
 * ```
 */
export function wildcard(pattern: string, ignoreCase: boolean): Matcher {
  const text = ignoreCase ? pattern.toLowerCase() : pattern;
  const star = text.indexOf('*');
  if (!text.includes('?') && star < 0) return { test: (value) => value === text };
  if (!text.includes('?') && star === text.length - 1) {
    const prefix = text.slice(0, -1);
    return { test: (value) => value.startsWith(prefix) };
  }
  const body = text.replace(SPECIAL, (c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : `\\${c}`));
  return new RegExp(`^${body}$`);
}

const VARIABLE = /\$\{([^}]*)\}/g;
const LITERAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };
const literalRegex = (text: string) => text.replace(SPECIAL, (c) => `\\${c}`);

/**
 * A pattern that may hold policy variables (`\${aws:username}`, `\${aws:userid}`, a default as in
 * `\${aws:username, 'guest'}`, and `\${*}`, `\${?}`, `\${$}` for those characters themselves), filled in
 * from the request's context when tested; the values filled in are literal text. A variable the request
 * has no value for (and no default) matches nothing, as AWS evaluates it. `wildcards: false` compares
 * the rest literally too (StringEquals); `ignoreCase` as for `wildcard`. Patterns without variables
 * are `wildcard`s (or plain comparisons).
 *
 * @example
 * ```ts
 * template('arn:aws:s3:::b/home/${aws:username}/*').test('arn:aws:s3:::b/home/bob/a', (k) => (k === 'aws:username' ? ['bob'] : undefined));
 * ```
 */
export function template(
  pattern: string,
  options: { ignoreCase?: boolean; wildcards?: boolean } = {},
): Matcher {
  const ignoreCase = options.ignoreCase ?? false;
  const wildcards = options.wildcards ?? true;
  if (!pattern.includes('${')) {
    if (wildcards) return wildcard(pattern, ignoreCase);
    const text = ignoreCase ? pattern.toLowerCase() : pattern;
    return { test: (value) => value === text };
  }
  const literal = (text: string) => {
    const cased = ignoreCase ? text.toLowerCase() : text;
    return wildcards
      ? cased.replace(SPECIAL, (c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : `\\${c}`))
      : literalRegex(cased);
  };
  const parts: Array<string | { key: string; fallback?: string }> = [];
  let at = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    parts.push(literal(pattern.slice(at, match.index)));
    const inner = match[1]!.trim();
    const special = LITERAL[inner];
    const withDefault = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(inner);
    if (special) parts.push(literalRegex(special));
    else if (withDefault) parts.push({ key: withDefault[1]!.toLowerCase(), fallback: withDefault[2]! });
    else parts.push({ key: inner.toLowerCase() });
    at = match.index + match[0].length;
  }
  parts.push(literal(pattern.slice(at)));
  return {
    test(value, context) {
      let body = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          body += part;
          continue;
        }
        const filled = context?.(part.key)?.[0] ?? part.fallback;
        if (filled === undefined) return false;
        body += literalRegex(ignoreCase ? filled.toLowerCase() : filled);
      }
      return new RegExp(`^${body}$`).test(value);
    },
  };
}
