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

/**
 * A policy wildcard as a RegExp: `*` any run of characters, `?` one character, the rest literal.
 *
 * @example
 * ```ts
 * wildcard('s3:Get*', true).test('s3:getobject'); // true
 * ```
 */
export function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) =>
    c === '*' ? '[^]*' : c === '?' ? '[^]' : `\\${c}`,
  );
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
}
