/**
 * LogQL regular expressions (Go RE2 syntax) as JavaScript RegExps: leading `(?i)`/`(?s)` flags become RegExp
 * flags, `(?P<name>` becomes `(?<name>`. Label matchers are anchored at both ends, as in Loki; line filters
 * match anywhere. A pattern JavaScript cannot compile is `InvalidArgument`.
 */
import { bkError } from '../../errors.js';

function translate(source: string): { body: string; flags: string } {
  let body = source;
  let flags = '';
  for (;;) {
    const lead = /^\(\?([is]+)\)/.exec(body);
    if (!lead) break;
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  body = body.replaceAll('(?P<', '(?<').replaceAll('\\z', '$');
  return { body, flags };
}

function compile(source: string, anchored: boolean): RegExp {
  const { body, flags } = translate(source);
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (err) {
    throw bkError(
      'InvalidArgument',
      `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * A label matcher's regex: the whole value must match.
 *
 * @example
 * ```ts
 * compileLabelRegex('api|web').test('api'); // true; .test('rapid') is false
 * ```
 */
export function compileLabelRegex(source: string): RegExp {
  return compile(source, true);
}

/**
 * A line filter's regex: matches anywhere in the line.
 *
 * @example
 * ```ts
 * compileLineRegex('(?i)timeout').test('Timeout after 5s'); // true
 * ```
 */
export function compileLineRegex(source: string): RegExp {
  return compile(source, false);
}

/** Whether a regex is case-insensitive (its trigrams cannot prune). */
export function isCaseInsensitive(source: string): boolean {
  return translate(source).flags.includes('i');
}

/** The regex body without leading flags, as `regexTrigrams` reads it. */
export function regexBody(source: string): string {
  return translate(source).body;
}
