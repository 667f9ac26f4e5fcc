import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeValue, encodeString, encodeValue, stringifyJson } from '../../../src/db/encoding/index.js';
import { BucketkitError } from '../../../src/errors.js';
import { json, text } from './arbitraries.js';

const PRINTABLE = /^[\x20-\x7e]*$/;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

/** What a storage port and an HTTP header can carry unchanged. */
function expectHeaderSafe(token: string): void {
  expect(token).toMatch(PRINTABLE);
  expect(token.length).toBeGreaterThan(0);
  expect(token.startsWith(' ') || token.endsWith(' ')).toBe(false);
}

describe('value codec', () => {
  test('any JSON value round-trips exactly, through a header-safe string', () => {
    fc.assert(
      fc.property(json, (value) => {
        const token = encodeValue(value);
        expectHeaderSafe(token);
        expect(decodeValue(token)).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  test('strings that look like encodings stay strings (s3db turns "null" into null)', () => {
    const lookalikes = [
      'null',
      'undefined',
      'true',
      '{"a":1}',
      '[1,2]',
      'd:j',
      'u:%C3',
      'b:aGk=',
      '~',
      '~~',
      '~n',
      '~i5',
      '~s',
      '~o1',
    ];
    for (const value of lookalikes) expect(decodeValue(encodeValue(value))).toBe(value);
    fc.assert(
      fc.property(text, (rest) => {
        for (const value of [`~${rest}`, `${rest}~`, ` ${rest}`, `${rest} `]) {
          expect(decodeValue(encodeValue(value))).toBe(value);
        }
      }),
    );
  });

  test('a leading U+FEFF is data: every string form keeps it (pinned: a TextDecoder dropped it)', () => {
    for (const value of ['\uFEFF', '\uFEFFb', '\uFEFF\uFEFF', '\uFEFFcafé', '\uFEFF日本', '\uFEFF😀']) {
      const token = encodeValue(value);
      expectHeaderSafe(token);
      expect(decodeValue(token)).toBe(value);
    }
    for (const value of [['\uFEFFa', '\uFEFF'], { '\uFEFFk': '\uFEFFv' }]) {
      expect(decodeValue(encodeValue(value))).toEqual(value);
    }
  });

  test('plain printable strings are stored as they are', () => {
    for (const value of ['Ada Lovelace', 'a  b', 'x=1;y="2"', 'd:abc', '{"a":1}'])
      expect(encodeValue(value)).toBe(value);
  });

  test('compact forms: timestamps, dates, uuids, hex, dictionary words, URLs, numbers', () => {
    const sizes: [unknown, number][] = [
      ['2024-05-01T12:34:56.789Z', 10], // 24 bytes as text
      ['2024-05-01T12:34:56Z', 8],
      ['2024-05-01', 5],
      ['550e8400-e29b-41d4-a716-446655440000', 24], // 36
      ['550E8400-E29B-41D4-A716-446655440000', 24],
      ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 45], // 64
      ['application/json', 3],
      ['completed', 3],
      ['https://www.example.com/x', 16],
      [1_700_000_000_000, 10],
      [2 ** 60, 14],
      [1e300, 7],
      [-0, 4],
    ];
    for (const [value, size] of sizes) {
      const token = encodeValue(value);
      expect([value, token.length]).toEqual([value, size]);
      expect(decodeValue(token)).toEqual(value);
    }
  });

  test('non-ASCII text takes the shorter of %-escaping and base64', () => {
    const mostlyAscii = 'café au lait';
    expect(encodeString(mostlyAscii)).toBe('~pcaf%C3%A9 au lait');
    const cjk = '日本語のテキスト';
    const bytes = new TextEncoder().encode(cjk).length;
    expect(encodeString(cjk)).toHaveLength(2 + Math.ceil((bytes * 4) / 3));
    expect(decodeValue(encodeString('😀 x'))).toBe('😀 x');
  });

  test('number arrays pack as float32 or float64 when that is shorter, exactly', () => {
    const float32 = Array.from({ length: 64 }, (_, i) => Math.fround(Math.sin(i) / 3));
    const token = encodeValue(float32);
    expect(token.startsWith('~F')).toBe(true);
    expect(token.length).toBe(2 + Math.ceil((64 * 4 * 4) / 3));
    expect(decodeValue(token)).toEqual(float32);
    const float64 = float32.map((n) => n + 1e-12);
    expect(encodeValue(float64).startsWith('~G')).toBe(true);
    expect(decodeValue(encodeValue(float64))).toEqual(float64);
    expect(encodeValue([1, 2, 3])).toBe('~j[1,2,3]');
  });

  test('refuses what it cannot store exactly', () => {
    for (const value of [
      '\ud800',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(0),
      new Map(),
      [undefined],
      1n,
      { a: '\udc00' },
    ]) {
      expect(codeOf(() => encodeValue(value))).toBe('InvalidArgument');
    }
    expect(stringifyJson({ a: undefined, b: [-0] })).toBe('{"b":[-0]}');
  });

  test('fuzz: decoding untrusted text gives a value or Corrupt, never another failure', () => {
    const tags = fc.constantFrom(...'spbwhTSDuUxXntfideFGjJoqz~ ');
    fc.assert(
      fc.property(tags, fc.string({ unit: 'binary-ascii', maxLength: 30 }), (tag, payload) => {
        const code = codeOf(() => decodeValue(`~${tag}${payload}`));
        expect([undefined, 'Corrupt']).toContain(code);
      }),
      { numRuns: 5000 },
    );
    for (const bad of [
      '~q',
      '~T',
      '~i-0',
      '~izzzzzzzzzzzz',
      '~d',
      '~dNaN',
      '~dInfinity',
      '~uAAAA',
      '~F',
      '~FAAA',
      '~j{',
      '~p%G1',
      '~p%C3',
      '~w!',
      '~h9x',
      '~e1.99999',
    ]) {
      expect([bad, codeOf(() => decodeValue(bad))]).toEqual([bad, 'Corrupt']);
    }
  });
});
