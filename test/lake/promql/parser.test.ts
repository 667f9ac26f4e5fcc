/**
 * The PromQL parser: the trees of the subset, Prometheus's precedence, type errors and syntax errors as
 * `InvalidArgument` with a stable `details.promql` kind, and fuzzing (random text and mutated queries
 * never crash it: they parse or fail with a typed error).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { parsePromQL } from '../../../src/lake/promql/index.js';
import { JUDGE_QUERIES } from './judge-queries.js';

function kindOf(query: string): unknown {
  try {
    parsePromQL(query);
    return 'ok';
  } catch (err) {
    if (!BucketkitError.is(err, 'InvalidArgument')) throw err;
    return err.details.promql;
  }
}

describe('parsePromQL', () => {
  it('builds selectors with all four matchers, offsets and ranges', () => {
    expect(parsePromQL('rate(x{a="1",b!="2",c=~"3.*",d!~"4"}[5m] offset 1m)')).toEqual({
      kind: 'call',
      func: 'rate',
      args: [
        {
          kind: 'matrix',
          rangeMs: 300_000,
          vector: {
            kind: 'vector',
            offsetMs: 60_000,
            matchers: [
              { name: '__name__', op: '=', value: 'x' },
              { name: 'a', op: '=', value: '1' },
              { name: 'b', op: '!=', value: '2' },
              { name: 'c', op: '=~', value: '3.*' },
              { name: 'd', op: '!~', value: '4' },
            ],
          },
        },
      ],
    });
  });

  it('builds subqueries, with or without a step, and their offsets', () => {
    const x = { kind: 'vector', offsetMs: 0, matchers: [{ name: '__name__', op: '=', value: 'x' }] };
    expect(parsePromQL('max_over_time(rate(x[5m])[30m:1m] offset 2m)')).toEqual({
      kind: 'call',
      func: 'max_over_time',
      args: [
        {
          kind: 'subquery',
          expr: { kind: 'call', func: 'rate', args: [{ kind: 'matrix', rangeMs: 300_000, vector: x }] },
          rangeMs: 1_800_000,
          stepMs: 60_000,
          offsetMs: 120_000,
        },
      ],
    });
    expect(parsePromQL('x[10m:]')).toEqual({ kind: 'subquery', expr: x, rangeMs: 600_000, offsetMs: 0 });
    expect(parsePromQL('x[10m:0s]')).toEqual(parsePromQL('x[10m:]'));
  });

  it('follows Prometheus precedence and associativity', () => {
    const shape = (q: string): unknown => {
      const walk = (e: ReturnType<typeof parsePromQL>): unknown =>
        e.kind === 'binary' ? [walk(e.lhs), e.op, walk(e.rhs)] : e.kind === 'number' ? e.value : e.kind;
      return walk(parsePromQL(q));
    };
    expect(shape('1 + 2 * 3')).toEqual([1, '+', [2, '*', 3]]);
    expect(shape('2 ^ 3 ^ 2')).toEqual([2, '^', [3, '^', 2]]);
    expect(shape('1 - 2 - 3')).toEqual([[1, '-', 2], '-', 3]);
    expect(shape('a or b and c')).toEqual(['vector', 'or', ['vector', 'and', 'vector']]);
    expect(shape('a > bool 1 + 2')).toEqual(['vector', '>', [1, '+', 2]]);
    expect(parsePromQL('-2 ^ 2')).toMatchObject({
      kind: 'unary',
      op: '-',
      expr: { kind: 'binary', op: '^' },
    });
  });

  it('reads aggregations with the grouping before or after, and vector matching', () => {
    expect(parsePromQL('sum(x) by (a, b)')).toMatchObject({
      op: 'sum',
      grouping: ['a', 'b'],
      without: false,
    });
    expect(parsePromQL('topk without (a) (3, x)')).toMatchObject({
      op: 'topk',
      without: true,
      param: { value: 3 },
    });
    expect(parsePromQL('a / on(x) group_left(y) b')).toMatchObject({
      matching: { on: true, labels: ['x'], card: 'many-to-one', include: ['y'] },
    });
  });

  it('accepts every query of the comparison list', () => {
    for (const q of JUDGE_QUERIES) expect(kindOf(q), q).toBe('ok');
  });

  it.each([
    ['rate(x[5m]', 'parse'],
    ['x{a="1"', 'parse'],
    ['x{a=1}', 'parse'],
    ['{a=""}', 'parse'],
    ['x[5m:1m', 'parse'],
    ['x[5m:1m:1m]', 'parse'],
    ['x[5m][10m:1m]', 'type'],
    ['x[5m:1m] + 1', 'type'],
    ['1[5m:1m]', 'type'],
    ['x[5s1m]', 'parse'],
    ['"unterminated', 'parse'],
    ['x{a=~"("}', 'parse'],
    ['nosuchfunc(x)', 'parse'],
    ['sum(x) by (a) by (b)', 'parse'],
    ['1 and 2', 'type'],
    ['1 > 2', 'type'],
    ['rate(x)', 'type'],
    ['sum(x[5m])', 'type'],
    ['x[5m] + 1', 'type'],
    ['histogram_quantile(x, y)', 'type'],
    ['round(x, 1, 2)', 'type'],
    ['1 + on(a) x', 'type'],
  ])('%s is a typed %s error', (query, kind) => {
    expect(kindOf(query)).toBe(kind);
  });

  it('names the line and character of a syntax error', () => {
    try {
      parsePromQL('sum(\n  x{a="1"}');
      expect.unreachable();
    } catch (err) {
      expect(BucketkitError.is(err, 'InvalidArgument')).toBe(true);
      expect((err as BucketkitError).message).toMatch(/line 2, char \d+/);
      expect((err as BucketkitError).details.position).toBe(15);
    }
  });

  it('never crashes on random text (fuzz)', () => {
    const alphabet = fc.constantFrom(
      ...'abx_ {}[]()=!~"\'`,:+-*/%^<>@#\\5.0me\n'.split(''),
      'by',
      'on',
      'offset',
      'sum',
      'rate',
      '5m',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
        const kind = kindOf(parts.join(''));
        expect(['ok', 'parse', 'type', 'unsupported']).toContain(kind);
      }),
      { numRuns: 3000 },
    );
  });

  it('never crashes on mutated valid queries (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...JUDGE_QUERIES),
        fc.nat(),
        fc.nat(),
        fc.string({ maxLength: 3 }),
        (q, at, cut, insert) => {
          const i = at % (q.length + 1);
          const mutated = q.slice(0, i) + insert + q.slice(i + (cut % 3));
          expect(['ok', 'parse', 'type', 'unsupported']).toContain(kindOf(mutated));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses nesting deeper than it can handle with a parse error, not a stack overflow', () => {
    expect(kindOf(`${'('.repeat(5000)}1${')'.repeat(5000)}`)).toBe('parse');
    expect(kindOf(`${'-'.repeat(5000)}1`)).toBe('parse');
    expect(kindOf(`${'x + '.repeat(20_000)}x`)).toBe('parse');
    expect(kindOf(`${'x + '.repeat(500)}x`)).toBe('ok');
  });
});
