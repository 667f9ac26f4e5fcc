/** Parse errors: `InvalidArgument` naming the line and column, with the offset in `details.position`. */
import { type BucketkitError, bkError } from '../../errors.js';

/**
 * A syntax error at `pos` (0-based offset) of `query`.
 *
 * @example
 * ```ts
 * throw syntaxError(query, 4, 'expected "}"');
 * ```
 */
export function syntaxError(query: string, pos: number, what: string): BucketkitError {
  const before = query.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return bkError('InvalidArgument', `parse error at line ${line}, col ${col}: ${what}`, {
    details: { position: pos, line, col, query },
  });
}
