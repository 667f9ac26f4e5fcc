/**
 * LogQL and PromQL regular expressions (Go RE2 syntax), matched in linear time. A query's regex comes from
 * whoever can reach the lake's HTTP API, so it must not be able to backtrack for hours on one line
 * (`(.*.*.*)*x`, `(a+)+$`): every pattern is checked and matched by RE2 (re2js), as Loki and Prometheus do,
 * which also refuses what RE2 has no linear-time match for (back-references, lookarounds, repeat counts
 * over 1000). Plain text and alternatives of it (`error|timeout`) are matched by JavaScript's engine, which
 * is faster and cannot backtrack on them. The result is still a `RegExp` (its `source` and `flags` are the JavaScript
 * translation, read by trigram pruning); only `test` and `exec` are RE2's. Label matchers are anchored at
 * both ends, as in Loki; line filters match anywhere. A pattern either engine refuses is `InvalidArgument`.
 */
import { RE2JS } from 're2js';
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

/**
 * Plain text (literal characters and escaped punctuation), or alternatives of it (`error|timeout`): with no
 * quantifier or group, a backtracking engine tries each alternative once per position, and cannot blow up.
 */
const PLAIN = /^(?:[^\\.*+?()[\]{}|^$]|\\[^0-9A-Za-z])*(?:\|(?:[^\\.*+?()[\]{}|^$]|\\[^0-9A-Za-z])*)*$/;

/** A RegExp whose matching runs on RE2: linear in the input whatever the pattern. */
class LinearRegExp extends RegExp {
  readonly #re2: RE2JS;

  constructor(body: string, flags: string, re2: RE2JS) {
    super(body, flags);
    this.#re2 = re2;
  }

  override test(input: string): boolean {
    return this.#re2.test(input);
  }

  override exec(input: string): RegExpExecArray | null {
    const m = this.#re2.matcher(input);
    if (!m.find()) return null;
    const found = Array.from({ length: m.groupCount() + 1 }, (_, i) => m.group(i) ?? undefined);
    const names = Object.entries(this.#re2.namedGroups());
    const groups =
      names.length > 0 ? Object.fromEntries(names.map(([name, i]) => [name, found[i] as string])) : undefined;
    return Object.assign(found, { index: m.start(0), input, groups }) as RegExpExecArray;
  }
}

function invalid(source: string, err: unknown) {
  const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
  return bkError('InvalidArgument', `invalid regular expression ${JSON.stringify(source)}: ${reason}`, {
    cause: err,
  });
}

function compile(source: string, anchored: boolean): RegExp {
  const { body, flags } = translate(source);
  let js: RegExp;
  try {
    js = new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (err) {
    throw invalid(source, err);
  }
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(anchored ? `^(?:${source})$` : source);
  } catch (err) {
    throw invalid(source, err);
  }
  return PLAIN.test(body) ? js : new LinearRegExp(js.source, js.flags, re2);
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
