/**
 * The fingerprint's tokenizer was tuned for speed (fewer strings, char-code checks before regular
 * expressions); a stored segment's `chq_fingerprint` must not change for it. The tokenizer as it was
 * (test/lake/fingerprint-oracle/) is the oracle: both must give the same tokens for generated log
 * messages of every token class, with JSON bodies, quotes, ANSI codes and arbitrary Unicode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { englishWords } from '../../src/lake/fingerprint/dictionary.js';
import { jsonBody } from '../../src/lake/fingerprint/json-body.js';
import { tokenizeLine } from '../../src/lake/fingerprint/tokenizer.js';
import { logFingerprintTokens } from '../../src/lake/index.js';
import { tokenizeLine as oracleTokenizeLine } from './fingerprint-oracle/tokenizer.js';

function oracleTokens(message: string): string[] {
  const body = message.includes('{') ? jsonBody(message.trim()) : undefined;
  if (!body) return oracleTokenizeLine(message);
  return [...oracleTokenizeLine(body.text), ...body.keyPaths];
}

const dictionary = [...englishWords()];
const word = fc.integer({ min: 0, max: dictionary.length - 1 }).map((i) => dictionary[i]!);
const byte = fc.integer({ min: 0, max: 300 });
const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 12 });
const casing = (w: string) => fc.constantFrom(w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1));

/** One word of a log line, from every class the classifier knows and some it must not be fooled by. */
const part = fc.oneof(
  word,
  word.chain(casing),
  fc.tuple(word, word).map(([a, b]) => `${a}${b[0]!.toUpperCase()}${b.slice(1)}`), // camelCase
  fc.tuple(word, word, fc.constantFrom('_', '-', '.', "'")).map(([a, b, s]) => `${a}${s}${b}`),
  fc
    .constantFrom('trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'İnfo', 'ınfo')
    .chain(casing),
  fc.constantFrom(
    'GET',
    'HEAD',
    'POST',
    'PUT',
    'DELETE',
    'PATCH',
    'OPTIONS',
    'CONNECT',
    'TRACE',
    'get',
    'true',
    'FALSE',
  ),
  digits,
  fc
    .tuple(fc.constantFrom('', '+', '-'), digits, fc.constantFrom('', '.5', 'e10', '%', 'E-3', '.1.2'))
    .map((p) => p.join('')),
  fc
    .tuple(
      digits,
      fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h', 'd', 'kb', 'MiB', 'B', 'bytes', 'x'),
    )
    .map((p) => p.join('')),
  fc.tuple(byte, byte, byte, byte).map((p) => p.join('.')),
  fc
    .tuple(byte, byte, byte, byte, fc.integer({ min: 0, max: 99_999 }))
    .map((p) => `${p.slice(0, 4).join('.')}:${p[4]}`),
  fc.array(hex(0, 4), { minLength: 3, maxLength: 8 }).map((g) => g.join(':')),
  fc.uuid(),
  hex(1, 40),
  fc.tuple(hex(1, 8), digits).map(([h, d]) => `0x${h}${d}`),
  fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-01-02',
    '02/01/2026',
    '2/Jan/2026:10:00:00',
    '10:04',
    '10:04:05.123',
    '10:04+02:00',
    '2026.1.2',
  ),
  fc.constantFrom(
    '/var/log/x.log',
    './a/b',
    '../c',
    '~/d',
    'C:\\x\\y',
    'a/b.txt',
    'https://h.io/p?q=1',
    'x://y',
  ),
  fc
    .tuple(word, fc.constantFrom('example.com', 'svc.cluster.local', 'Foo.Bar', 'v1.2.3', 'a.b'))
    .map(([a, b]) => `${a}.${b}`),
  fc.tuple(word, word).map(([a, b]) => `${a}@${b}.io`),
  fc.constantFrom(
    '"quoted text"',
    "'single'",
    "can't",
    '`tick`',
    '[a, b]',
    '[x]',
    '(p)',
    '{',
    '}',
    '=>',
    'k=v',
    'a:b',
    'a+b',
  ),
  fc.constantFrom(
    '.',
    ':',
    '#',
    '$',
    '@',
    '--flag',
    '...',
    '\\',
    '\t',
    '\u00a0',
    '\u2003',
    '\ufeff',
    '\u0085',
  ),
  fc.constantFrom('\u001b[31m', '\u001b[0m', '\u001b]0;title\u0007', '\u001b(', '\n', '\r\n'),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const line = fc
  .tuple(
    fc.array(part, { maxLength: 25 }),
    fc.array(fc.constantFrom(' ', ' ', ' ', ', ', '; ', '=', '|', ''), { minLength: 25, maxLength: 25 }),
  )
  .map(([parts, gaps]) => parts.map((p, i) => p + gaps[i]).join(''));

const jsonValue = fc.oneof(line, fc.integer(), fc.boolean(), fc.constant(null));
const body = fc
  .record({
    prefix: line,
    fields: fc.dictionary(
      fc.oneof(word, fc.constantFrom('level', 'Level', 'msg', 'message', 'MSG', 'loglevel')),
      fc.oneof(jsonValue, fc.dictionary(word, jsonValue, { maxKeys: 3 })),
    ),
    suffix: line,
  })
  .map(({ prefix, fields, suffix }) => `${prefix} ${JSON.stringify(fields)} ${suffix}`);

describe('the tuned fingerprint tokenizer', () => {
  it('gives the tokens the tokenizer before it gives, for every kind of log line', () => {
    fc.assert(
      fc.property(fc.oneof(line, body), (message) => {
        expect(tokenizeLine(message)).toEqual(oracleTokenizeLine(message));
        expect(logFingerprintTokens(message)).toEqual(oracleTokens(message));
      }),
      { numRuns: 4_000 },
    );
  });

  it('agrees with the tokenizer before on words of every class, one at a time', () => {
    fc.assert(
      fc.property(part, fc.constantFrom('', 'error ', 'x '), (w, lead) => {
        expect(tokenizeLine(lead + w)).toEqual(oracleTokenizeLine(lead + w));
      }),
      { numRuns: 4_000 },
    );
  });
});
