/**
 * Issue 21, item 4: the decoders of s3db.js 21.6.2's bytes, compressed text and compact formats as
 * properties (fixed seed, see test/support/fast-check.ts): each value s3db.js's own Schema stores reads
 * back as s3db.js's Schema reads it, and any stored text is a value or a `Corrupt` BucketkitError, never
 * another throw.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3dbModule } from '../../bench/db-s3db.js';
import { decodeS3dbAttribute } from '../../src/db/s3db/attribute.js';
import { decodeS3dbBytes, decompressS3dbText, takeByteFields } from '../../src/db/s3db/binary.js';
import { decodeS3dbFormat } from '../../src/db/s3db/formats.js';
import { NOT_MINE } from '../../src/db/s3db/types.js';
import { BucketkitError } from '../../src/errors.js';

type Row = Record<string, unknown>;
interface S3dbSchema {
  map: Record<string, string>;
  mapper(record: Row): Promise<Row>;
  unmapper(mapped: Row): Promise<Row>;
}
let schemaOf: (attributes: Row) => S3dbSchema;

beforeAll(async () => {
  const { Schema } = (await s3dbModule()) as {
    Schema: new (options: Row) => S3dbSchema;
  };
  schemaOf = (attributes) => new Schema({ name: 'fuzz', attributes });
}, 300_000);

/** Runs `decode`; a throw must be a Corrupt BucketkitError. */
async function valueOrCorrupt(decode: () => unknown): Promise<unknown> {
  try {
    return await decode();
  } catch (error) {
    expect(BucketkitError.is(error, 'Corrupt'), String(error)).toBe(true);
    return error;
  }
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const FORMAT_VALUES: Record<string, fc.Arbitrary<string | number>> = {
  timeonly: fc
    .tuple(fc.nat(23), fc.nat(59), fc.nat(59), fc.nat(999))
    .map(([h, m, s, ms]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`),
  mac: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) =>
    Buffer.from(b)
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1:'),
  ),
  cidr: fc
    .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(32))
    .map(([b, p]) => `${b.join('.')}/${p}`),
  semver: fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)).map((v) => v.join('.')),
  phone: fc.integer({ min: 1_000_000, max: 999_999_999_999_999 }).map((n) => `+${n}`),
  color: fc.nat(0xffffff).map((n) => `#${n.toString(16).padStart(6, '0')}`),
  duration: fc.nat(10 * 86_400_000),
  ean: fc.constantFrom(8, 12, 13, 14).chain((n) => fc.stringMatching(new RegExp(`^[1-9]\\d{${n - 1}}$`))),
};

describe('s3db.js compact formats', () => {
  for (const [type, values] of Object.entries(FORMAT_VALUES)) {
    it(`${type}: what s3db.js stores reads back as s3db.js's Schema reads it`, async () => {
      const schema = schemaOf({ v: `${type}|optional` });
      await fc.assert(
        fc.asyncProperty(values, async (value) => {
          const stored = (await schema.mapper({ v: value }))[schema.map.v!];
          const theirs = (await schema.unmapper({ [schema.map.v!]: stored })).v;
          expect(decodeS3dbFormat(String(stored), type)).toEqual(theirs);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('any stored text is a string or Corrupt, for every format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(FORMAT_VALUES)),
        fc.string({ maxLength: 20 }),
        async (type, text) => {
          const out = await valueOrCorrupt(() => decodeS3dbFormat(text, type));
          if (!(out instanceof BucketkitError)) expect(typeof out).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
    expect(decodeS3dbFormat('x', 'string')).toBe(NOT_MINE);
  });
});

describe('s3db.js bytes', () => {
  it('base64 text s3db.js keeps reads back as the bytes its Buffer decoding gives', async () => {
    await fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(decodeS3dbBytes(text, 'buffer')).toEqual(new Uint8Array(Buffer.from(text, 'base64')));
        const bits = bytes.length * 8;
        expect(decodeS3dbBytes(text, `bits:${bits}`)).toEqual(bytes);
        if (bytes.length > 0) expect(() => decodeS3dbBytes(text, `bits:${bits + 8}`)).toThrow(/Corrupt/);
      }),
    );
  });

  it('any stored value is bytes or Corrupt', async () => {
    const stored = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.base64String({ maxLength: 30 }),
      fc.integer(),
      fc.constant(null),
      fc.object(),
    );
    await fc.assert(
      fc.asyncProperty(stored, fc.constantFrom('buffer', 'bits', 'bits:12'), async (value, definition) => {
        const out = await valueOrCorrupt(() => decodeS3dbBytes(value, definition));
        if (!(out instanceof BucketkitError)) expect(out).toBeInstanceOf(Uint8Array);
      }),
      { numRuns: 2000 },
    );
  });

  it('one byte per key: any keys and values give bytes or Corrupt, and only the byte keys are taken', async () => {
    const key = fc.oneof(
      fc.constantFrom('buf_0', 'buf_1', 'buf-2', 'buf.3', 'BUF_0', 'buf_01', 'other'),
      fc.string({ maxLength: 6 }),
    );
    const value = fc.oneof(fc.nat(300).map(String), fc.nat(300), fc.string({ maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 6 }), async (fields) => {
        const copy = { ...fields };
        const out = await valueOrCorrupt(() => takeByteFields(copy, ['buf']));
        if (out instanceof BucketkitError) return;
        const bytes = (out as Map<string, Uint8Array>).get('buf');
        const taken = Object.keys(fields).filter((k) => !(k in copy));
        expect(taken.length).toBe(bytes?.length ?? 0);
      }),
      // found by this property: a byte under two spellings of its key
      { numRuns: 2000, examples: [[{ buf_0: 0, BUF_0: 0 }]] },
    );
  });
});

// s3db.js's base85 alphabet and grouping (facts from its format), to write what it writes
const ALPHABET85 =
  '!#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~';
function base85(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 4) {
    const group = bytes.subarray(at, at + 4);
    let n = 0;
    for (let i = 0; i < 4; i++) n = n * 256 + (group[i] ?? 0);
    const digits: string[] = [];
    for (let i = 0; i < 5; i++) {
      digits.unshift(ALPHABET85[n % 85]!);
      n = Math.floor(n / 85);
    }
    out += digits.slice(0, group.length + 1).join('');
  }
  return out;
}

describe('s3db.js compressed text', () => {
  it('z: (base64) and z85: (base85) DEFLATE of any text read back as the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const deflated = deflateRawSync(Buffer.from(text, 'utf-8'));
        expect(await decompressS3dbText(`z:${deflated.toString('base64')}`)).toBe(text);
        expect(await decompressS3dbText(`z85:${base85(deflated)}`)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("what s3db.js's Schema stores for a text attribute reads back as its Schema reads it", async () => {
    const schema = schemaOf({
      t: 'text|threshold:1|optional',
      e: 'text|threshold:1|encoding:base85|optional',
    });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), async (text) => {
        const mapped = await schema.mapper({ t: text, e: text });
        const theirs = await schema.unmapper(mapped);
        for (const name of ['t', 'e']) {
          const ours = await decodeS3dbAttribute(
            mapped[schema.map[name]!],
            name === 't' ? 'text' : 'text|encoding:base85',
            'p',
            'fuzz/1',
            name,
          );
          expect(ours).toEqual(theirs[name]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('any stored text comes back as a string, never a throw', async () => {
    const stored = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.base64String({ maxLength: 40 }).map((s) => `z:${s}`),
      fc.string({ unit: fc.constantFrom(...ALPHABET85), maxLength: 40 }).map((s) => `z85:${s}`),
    );
    await fc.assert(
      fc.asyncProperty(stored, async (text) => {
        expect(typeof (await decompressS3dbText(text))).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('any attribute', () => {
  it('any definition and stored value decode to a value or a Corrupt error naming the attribute', async () => {
    const definition = fc.constantFrom(
      'buffer',
      'bits:8',
      'text',
      'timeonly',
      'mac',
      'cidr',
      'semver',
      'phone',
      'color',
      'duration',
      'ean',
      'money',
      'geo:point',
      'ip6',
      'number',
      'datetime|optional',
      'array|items:number',
      'string',
    );
    const stored = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.base64String({ maxLength: 24 }),
      fc.integer(),
      fc.constant(null),
    );
    await fc.assert(
      fc.asyncProperty(definition, stored, async (def, value) => {
        const out = await valueOrCorrupt(() => decodeS3dbAttribute(value, def, 'p', 'fuzz/1', 'field'));
        if (out instanceof BucketkitError)
          expect(out.details).toMatchObject({ record: 'fuzz/1', attribute: 'field' });
      }),
      // found by this property: a datetime that is not base62 threw a RangeError
      { numRuns: 3000, examples: [['datetime|optional', 'AA==']] },
    );
  });
});
