/** fast-check arbitraries shared by the encoding tests: JSON values as a record may hold them. */
import fc from 'fast-check';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Any well-formed text: ASCII-heavy, with every plane of unicode and edge spaces mixed in. */
export const text = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '',
      ' ',
      '  x  ',
      '~',
      '~n',
      '~t',
      '~i5',
      'null',
      'undefined',
      '{"a":1}',
      '[1]',
      'd:j',
      'u:x',
      'b:eA',
      '%41',
      // a leading U+FEFF is data, not a byte order mark to drop (a decoder once did)
      '\uFEFF',
      '\uFEFFb',
      '\uFEFF\uFEFF~',
      '\uFEFFcafé',
    ),
    fc.constantFrom(
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T12:00:00Z',
      '2024-05-01',
      'active',
      'https://example.com/a',
    ),
    fc.uuid(),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.stringMatching(/^([0-9a-f]{2}){4,40}$/),
  )
  .filter((s) => !LONE_SURROGATE.test(s));

/** Any finite number, -0 and huge or tiny magnitudes included. */
export const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(-0, 0, 1e300, -1e-300, 2 ** 60, Number.MAX_SAFE_INTEGER + 2, 5e-324),
);

/** Any JSON value our codecs must carry exactly. */
export const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 5 }),
    fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 20 }),
  ),
})).value;
