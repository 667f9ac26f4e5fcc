/** The wildcard patterns of policy documents and the error a bad document is refused with. */
import type { BucketkitError } from '../../errors.js';
import { s3Error } from '../s3-errors.js';

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

/** Tests a string against one policy pattern. */
export interface Matcher {
  test(value: string): boolean;
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
