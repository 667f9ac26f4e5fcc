/**
 * The lake's query regexes (RE2 syntax, matched by RE2): they accept what a backtracking RegExp accepts
 * wherever the two syntaxes mean the same, finish on patterns that make a backtracking engine take exponential time, and
 * refuse what RE2 refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLabelRegex, compileLineRegex } from '../../src/lake/logql/regex.js';

/**
 * Patterns over a, b and `.` with groups, alternation and the quantifiers both engines read alike; short, as
 * a longer one can take the backtracking oracle minutes (the very thing RE2 is here for).
 */
const pattern: fc.Arbitrary<string> = fc
  .letrec((tie) => ({
    atom: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('a', 'b', '.', 'ab', '\\.'),
      tie('group') as fc.Arbitrary<string>,
    ),
    group: fc.tuple(tie('alt') as fc.Arbitrary<string>).map(([inner]) => `(${inner})`),
    piece: fc
      .tuple(tie('atom') as fc.Arbitrary<string>, fc.constantFrom('', '', '*', '+', '?', '{1,3}'))
      .map(([a, q]) => a + q),
    seq: fc
      .array(tie('piece') as fc.Arbitrary<string>, { minLength: 1, maxLength: 4 })
      .map((p) => p.join('')),
    alt: fc.array(tie('seq') as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 }).map((s) => s.join('|')),
  }))
  .alt.filter((p) => p.length <= 32) as fc.Arbitrary<string>;

const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', 'c'), maxLength: 12 });

describe('LogQL/PromQL regexes', () => {
  // whether a line or a whole value matches: which submatch an empty loop iteration picks differs (RE2's is Go's)
  it('accept the same lines and values as a backtracking RegExp (property, pinned seed)', () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const js = new RegExp(p);
        const ours = compileLineRegex(p);
        expect(ours.test(s)).toBe(js.test(s));
        expect(compileLabelRegex(p).test(s)).toBe(new RegExp(`^(?:${p})$`).test(s));
      }),
      { seed: 20261206, numRuns: 500 },
    );
  });

  it('keep named groups and plain-text alternatives as a RegExp does', () => {
    const m = compileLabelRegex('(?P<svc>[a-z]+)-(\\d+)').exec('api-42');
    expect([m?.[0], m?.[1], m?.[2], m?.groups?.svc]).toEqual(['api-42', 'api', '42', 'api']);
    expect(compileLineRegex('error|time\\.out').test('a time.out here')).toBe(true);
    expect(compileLineRegex('error|time\\.out').test('a timeXout here')).toBe(false);
    expect(compileLineRegex('(?i)TIMEOUT').test('timeout')).toBe(true);
  });

  it('finish on patterns a backtracking engine takes exponential time over', () => {
    const line = `${'a'.repeat(5000)}!`;
    expect(compileLineRegex('(a+)+$').test(line)).toBe(false);
    expect(compileLineRegex('(.*.*.*.*.*)*=$').test(line)).toBe(false);
    expect(compileLabelRegex('(a|a)*b').test(line)).toBe(false);
    expect(compileLineRegex('(?i)(A|a)*(.*){1,20}Q').test(line)).toBe(false);
  });

  it('refuse back-references, lookarounds and repeat counts over 1000, as RE2 does', () => {
    for (const p of ['(a)\\1', '(?=a)', '(?!a)b', '(?<=a)b', '(?<!a)b', 'a{1001}'])
      expect(() => compileLineRegex(p), p).toThrow(/invalid regular expression/);
  });
});
