/**
 * The LogQL parser: the trees it builds, the refusals it gives (InvalidArgument with the position), and
 * fuzzing — any text either parses or is refused that way, never another error or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { type LogQLExpr, parseLogQL } from '../../src/lake/index.js';

function refusal(query: string): { message: string; position: number } {
  try {
    parseLogQL(query);
  } catch (err) {
    if (!BucketkitError.is(err, 'InvalidArgument')) throw err;
    return { message: err.message, position: err.details.position as number };
  }
  throw new Error(`parsed: ${query}`);
}

describe('parseLogQL', () => {
  it('builds typed trees for selectors, line filters, parsers and label filters', () => {
    expect(
      parseLogQL(
        '{service="api", level=~"ERROR|WARN", pod!="p1"} |= "timeout" != `retry` |~ "\\\\d+ms" | json | status >= 500 | user!~"bot.*" | took > 1.5s',
      ),
    ).toEqual({
      kind: 'log',
      matchers: [
        { name: 'service', op: '=', value: 'api' },
        { name: 'level', op: '=~', value: 'ERROR|WARN' },
        { name: 'pod', op: '!=', value: 'p1' },
      ],
      pipeline: [
        { kind: 'line', op: '|=', value: 'timeout' },
        { kind: 'line', op: '!=', value: 'retry' },
        { kind: 'line', op: '|~', value: '\\d+ms' },
        { kind: 'parser', parser: 'json' },
        { kind: 'label', name: 'status', op: '>=', number: 500, unit: 'none' },
        { kind: 'label', name: 'user', op: '!~', value: 'bot.*' },
        { kind: 'label', name: 'took', op: '>', number: 1500, unit: 'ms' },
      ],
    });
  });

  it('builds range and vector aggregations, grouping before or after, topk with k', () => {
    const inner = {
      kind: 'range',
      fn: 'count_over_time',
      log: { kind: 'log', matchers: [{ name: 'service', op: '=', value: 'api' }], pipeline: [] },
      rangeMs: 300_000,
    };
    const sum = { kind: 'vector', op: 'sum', grouping: { mode: 'by', labels: ['level'] }, inner };
    expect(parseLogQL('sum by (level) (count_over_time({service="api"}[5m]))')).toEqual(sum);
    expect(parseLogQL('sum(count_over_time({service="api"}[5m])) by (level)')).toEqual(sum);
    expect(parseLogQL('topk(3, sum by (level) (count_over_time({service="api"}[5m])))')).toEqual({
      kind: 'vector',
      op: 'topk',
      param: 3,
      inner: sum,
    });
    expect(parseLogQL('avg without (pod) (rate(({service="api"} | logfmt)[1h30m]))')).toMatchObject({
      op: 'avg',
      grouping: { mode: 'without', labels: ['pod'] },
      inner: { fn: 'rate', rangeMs: 5_400_000, log: { pipeline: [{ kind: 'parser', parser: 'logfmt' }] } },
    });
  });

  it('reads Go string escapes and raw strings', () => {
    const expr = parseLogQL('{a="q\\"uote\\\\ \\u00e9\\x41"} |= `raw\\n`') as Extract<
      LogQLExpr,
      { kind: 'log' }
    >;
    expect(expr.matchers[0]!.value).toBe('q"uote\\ éA');
    expect(expr.pipeline[0]).toEqual({ kind: 'line', op: '|=', value: 'raw\\n' });
  });

  it.each([
    ['{service="api"', 14, 'expected'],
    ['{service="api"} |= timeout', 19, 'quoted filter text'],
    ['{service=~"("}', 10, 'invalid regular expression'],
    ['{}', 1, 'at least one matcher'],
    ['{service=""}', 11, 'at least one matcher'],
    ['{service!="api"}', 15, 'at least one matcher'],
    ['count_over_time({service="api"})', 31, 'expected "["'],
    ['sum_over_time({service="api"} | unwrap n [5m])', 0, 'sum_over_time is not supported'],
    ['{service="api"} | line_format "{{.x}}"', 18, 'line_format is not supported'],
    ['{service="api"} | regexp "(?P<x>.)"', 18, 'regexp is not supported'],
    ['{service="api"} | json a="b"', 23, 'json with parameters'],
    ['{service="api"} |= "a" or "b"', 23, '"or" in line filters'],
    ['{service="api"} | a="x" or b="y"', 24, '"or" between label filters'],
    ['rate({service="api"}[5m]) / 2', 26, 'binary operations'],
    ['rate({service="api"}[5m] offset 1h)', 25, 'offset'],
    ['sum({service="api"})', 4, 'wrap the log query'],
    ['topk(x, rate({service="api"}[5m]))', 5, 'whole number k'],
    ['frobnicate({service="api"}[5m])', 0, 'unknown function'],
    ['{service="api"}\n  |= "x" ]', 25, 'line 2, col 10'],
    ['{service="a\\qb"}', 11, 'invalid escape'],
    ['{service="api"} |= "unterminated', 19, 'unterminated string'],
    ['{service="api"} @', 16, 'unexpected character'],
  ])('refuses %j at offset %i naming the problem', (query, position, words) => {
    const got = refusal(query);
    expect(got.position).toBe(position);
    expect(got.message).toContain(words);
    expect(got.message).toMatch(/^InvalidArgument: parse error at line \d+, col \d+: /);
  });
});

/** Parses or refuses with InvalidArgument at a position inside the query; anything else fails the test. */
function parsesOrRefuses(query: string): void {
  try {
    parseLogQL(query);
  } catch (err) {
    if (!BucketkitError.is(err, 'InvalidArgument')) throw err;
    const position = err.details.position;
    if (typeof position !== 'number' || position < 0 || position > query.length)
      throw new Error(`position ${String(position)} outside ${JSON.stringify(query)}`);
  }
}

const SEEDS = [
  'sum by (level) (count_over_time({service="api", level=~"E.*"} |= "timeout" != "x" | json | a="b" [5m]))',
  'topk(2, sum(rate({service=~"api|web"} |~ "(?i)err" | logfmt | status >= 500 [1m])) by (service))',
  '{service="api"} | logfmt | took > 250ms | user!~`bot-\\d+`',
  'bytes_over_time({pod!="x", service="b"}[1h])',
];
const ALPHABET = fc.constantFrom(
  ...'{}()[],|=!~"`\\<>.*+-? abcz09_5mhs#\n'.split(''),
  'by',
  'sum',
  'json',
  '[5m]',
);

describe('parseLogQL fuzzing', () => {
  it('random text parses or is refused with a position', () => {
    fc.assert(
      fc.property(fc.array(ALPHABET, { maxLength: 60 }), (parts) => parsesOrRefuses(parts.join(''))),
      { numRuns: 3000 },
    );
  });

  it('mutated valid queries parse or are refused with a position', () => {
    const mutation = fc.tuple(
      fc.constantFrom(...SEEDS),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), ALPHABET), {
        minLength: 1,
        maxLength: 4,
      }),
    );
    fc.assert(
      fc.property(mutation, ([seed, edits]) => {
        let query = seed;
        for (const [at, kind, text] of edits) {
          const i = at % (query.length + 1);
          query =
            kind === 'insert'
              ? query.slice(0, i) + text + query.slice(i)
              : kind === 'delete'
                ? query.slice(0, i) + query.slice(i + 1)
                : query.slice(0, i) + text + query.slice(i + 1);
        }
        parsesOrRefuses(query);
      }),
      { numRuns: 3000 },
    );
  });

  it('deep nesting and long inputs are refused, not a stack overflow', () => {
    const deep = `${'sum('.repeat(5000)}count_over_time({a="b"}[1m])${')'.repeat(5000)}`;
    expect(refusal(deep).message).toContain('nested deeper than 64');
    expect(refusal(`{a="${'x'.repeat(70_000)}"}`).message).toContain('longer than 64 KiB');
    parsesOrRefuses(`{a="b"}${' |= "x"'.repeat(2000)}`);
  });
});
