/**
 * PromQL errors: every one is a `BucketkitError` with code `InvalidArgument` and a stable
 * `details.promql` kind, which the HTTP API maps to Prometheus's `errorType`.
 */
import { type BucketkitError, bkError } from '../../errors.js';

/**
 * `parse` (syntax, `details.position` set), `type` (a function or operator given the wrong kind of
 * value), `execution` (an answer Prometheus also refuses, e.g. duplicate series), `limit` (too many
 * points or series), `unsupported` (valid PromQL outside the subset).
 */
export type PromqlErrorKind = 'parse' | 'type' | 'execution' | 'limit' | 'unsupported';

/**
 * A PromQL error of one kind.
 *
 * @example
 * ```ts
 * throw promqlError('type', 'expected a range vector in rate(), got an instant vector');
 * ```
 */
export function promqlError(
  kind: PromqlErrorKind,
  message: string,
  extra: Record<string, unknown> = {},
): BucketkitError {
  return bkError('InvalidArgument', message, { details: { promql: kind, ...extra } });
}

/**
 * A syntax error at offset `pos` of `query`, naming line and column as Prometheus does.
 *
 * @example
 * ```ts
 * throw syntaxError('rate(x[5m]', 10, 'unclosed left parenthesis');
 * ```
 */
export function syntaxError(query: string, pos: number, what: string): BucketkitError {
  const before = query.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return promqlError('parse', `parse error at line ${line}, char ${col}: ${what}`, {
    position: pos,
    line,
    col,
  });
}
