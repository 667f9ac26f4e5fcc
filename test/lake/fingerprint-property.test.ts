/**
 * Properties of the log fingerprint over generated input: it never throws, whatever the text; it is a pure
 * function (same id twice, same id from a second fingerprinter); it keeps at most MAX_TOKENS tokens; and
 * a message built from a template gets one id whatever numbers, addresses, ids and durations fill it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { frontCode } from '../../scripts/build-wordlist.js';
import { englishWords } from '../../src/lake/fingerprint/dictionary.js';
import { WORD_COUNT } from '../../src/lake/fingerprint/wordlist.generated.js';
import {
  createLogFingerprinter,
  type LogFingerprinter,
  logFingerprintTokens,
  MAX_TOKENS,
} from '../../src/lake/index.js';

let fingerprint: LogFingerprinter;
beforeAll(async () => {
  fingerprint = await createLogFingerprinter();
});

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Text made of log-like fragments (quotes, brackets, JSON, escapes, separators) and arbitrary Unicode. */
const logish = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom(
        '{',
        '}',
        '"',
        "'",
        '`',
        '[',
        ']',
        ',',
        ':',
        '=>',
        '://',
        '\n',
        '\r',
        '\u001b[',
        '\u001b]',
        '\\',
      ),
      fc.constantFrom(
        'ERROR',
        'info',
        '10.0.0.1',
        '12ms',
        '/var/x',
        'a@b.io',
        '0x1f',
        'msg',
        'level',
        '2026-01-02',
      ),
      fc.json(),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(' '));

const variable = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }).map((n) => n.toFixed(3)),
  fc.ipV4(),
  fc.uuid(),
  fc.nat(100_000).map((n) => `${n}ms`),
  fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  fc.integer({ min: 0, max: 0xfffffff }).map((n) => `0x${n.toString(16)}`),
);
const templateWord = fc.constantFrom(
  'user',
  'request',
  'failed',
  'after',
  'from',
  'connection',
  'took',
  'order',
);

describe('log fingerprint properties', () => {
  it('never throws, returns a signed int64, and is stable across calls and fingerprinters', async () => {
    const second = await createLogFingerprinter();
    fc.assert(
      fc.property(fc.oneof(logish, fc.string({ unit: 'binary' })), (message) => {
        const id = fingerprint(message);
        expect(id >= MIN_INT64 && id <= MAX_INT64).toBe(true);
        expect(fingerprint(message)).toBe(id);
        expect(second(message)).toBe(id);
        expect(logFingerprintTokens(message).length).toBeLessThanOrEqual(MAX_TOKENS + 256);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps at most MAX_TOKENS tokens for plain text', () => {
    fc.assert(
      fc.property(logish, (message) => {
        if (!message.includes('{'))
          expect(logFingerprintTokens(message).length).toBeLessThanOrEqual(MAX_TOKENS);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives one id to a template whatever fills its variable slots', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            templateWord.map((w) => ({ word: w })),
            fc.constant({ slot: true }),
          ),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        fc.infiniteStream(variable),
        fc.infiniteStream(variable),
        (template, fillA, fillB) => {
          const kinds = new Map<number, number>();
          const render = (fill: fc.Stream<string>, kindOf: (i: number, v: string) => string) =>
            template.map((part, i) => ('word' in part ? part.word : kindOf(i, fill.next().value))).join(' ');
          const a = render(fillA, (i, v) => {
            kinds.set(i, variableKind(v));
            return v;
          });
          // the second message uses values of the same kind in each slot
          const b = render(fillB, (i, v) => sameKind(kinds.get(i)!, v));
          expect(fingerprint(b)).toBe(fingerprint(a));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes the front-coded word list it ships', () => {
    const words = englishWords();
    expect(words.size).toBe(WORD_COUNT);
    for (const word of ['connection', 'timeout', 'kubernetes', 'refused', 'cant'])
      expect(words.has(word)).toBe(true);
    const sorted = [...words].sort();
    expect(frontCode(sorted).length).toBeLessThan(sorted.join(' ').length * 0.5);
  });
});

/** The kind of a generated value (index into SAMPLES). */
function variableKind(value: string): number {
  const index = SAMPLES.findIndex((sample) => sample.test(value));
  return index < 0 ? -1 : index;
}

const SAMPLES = [/^0x/, /^\d{4}-/, /^[0-9a-f]{8}-/, /^\d+\.\d+\.\d+\.\d+$/, /ms$/, /\./, /^-?\d+$/];
const REPLACEMENT = [
  '0x2a',
  '2031-07-04T05:06:07.890Z',
  '123e4567-e89b-42d3-a456-426614174000',
  '172.16.0.9',
  '7ms',
  '2.500',
  '77',
];

/** A fixed value of the same kind as `kind`, or the value itself when its kind is unknown. */
function sameKind(kind: number, value: string): string {
  return kind < 0 ? value : REPLACEMENT[kind]!;
}
