/**
 * When every port of an erasure port fails a call the same way (a bucket missing on each, credentials
 * refused by each, every server down), that shared code is the answer, not a generic `Backend`: the
 * caller branches on it and its message says what to fix.
 */
import { BucketkitError, bkError, type ErrorDetails } from '../errors.js';

/**
 * The error to throw when every one of `errors` is a `BucketkitError` of one code (and there is at
 * least one): that code, with the first port's message (which says what to do) and the count of
 * `ports` (default: one error per port; fewer when the others have not answered).
 * Undefined when the ports failed differently, or one did not fail.
 *
 * @example
 * ```ts
 * throw sharedFailure(failures, `writing "${key}"`, { key }) ?? bkError('Backend', 'too few ports took it');
 * ```
 */
export function sharedFailure(
  errors: unknown[],
  doing: string,
  details: ErrorDetails = {},
  ports = errors.length,
): BucketkitError | undefined {
  const first = errors[0];
  if (!BucketkitError.is(first)) return undefined;
  const code = first.code;
  if (!errors.every((err) => BucketkitError.is(err, code))) return undefined;
  const advice = first.message.startsWith(`${code}: `) ? first.message.slice(code.length + 2) : first.message;
  const all =
    errors.length < ports
      ? `${errors.length} of ${ports} ports (the others did not answer)`
      : ports === 1
        ? 'the only port'
        : `all ${ports} ports`;
  return bkError(code, `${all} failed ${doing}: ${advice}`, {
    cause: first,
    details: { ...first.details, ...details },
  });
}
