/**
 * Issue 21, items 2 and 4: the decoders of s3db.js values and the CSV reader of `bucketkit db import`,
 * as properties (fixed seed, see test/support/fast-check.ts) and fuzzed parsers.
 */
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine, csvRecords } from '../../src/cli/db-io.js';
import { parseS3dbCatalog } from '../../src/db/s3db/catalog.js';
import { decodeS3dbType, NOT_MINE } from '../../src/db/s3db/types.js';
import { base62, base62Decimal, clientDecode, decodeTyped, splitArray } from '../../src/db/s3db/values.js';
import { BucketkitError } from '../../src/errors.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** base62 as s3db.md §5 states it (digits, then lowercase, then uppercase; `-` for negatives). */
function toBase62(n: number): string {
  if (n < 0) return `-${toBase62(-n)}`;
  let out = '';
  let rest = n;
  do {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out;
}
const utf8Base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

async function collect(text: string) {
  const out: string[][] = [];
  async function* one() {
    yield text;
  }
  for await (const row of csvRecords(one())) out.push(row.cells);
  return out;
}

describe('s3db.js value decoders', () => {
  it('base62 integers and decimals read back what the format writes', () => {
    expect([base62('A'), base62('-G'), base62Decimal('c.5'), base62Decimal('-0.5')]).toEqual([
      36, -42, 12.5, -0.5,
    ]);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n) => {
        expect(base62(toBase62(n))).toBe(n);
        expect(decodeTyped(toBase62(n), 'number|integer')).toBe(n);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 999_999 }),
        (whole, frac) => {
          const fraction = String(frac).replace(/0+$/, '') || '1';
          expect(base62Decimal(`${toBase62(whole)}.${fraction}`)).toBe(Number(`${whole}.${fraction}`));
        },
      ),
    );
  });

  it('the client layer: u: and b: give back any text exactly, a leading U+FEFF included', () => {
    expect(clientDecode(`b:${utf8Base64('\uFEFFb')}`)).toBe('\uFEFFb');
    expect(clientDecode('d:c')).toBe('completed');
    expect(clientDecode('d:@hexample.com/')).toBe('https://example.com/');
    expect([clientDecode('null'), clientDecode('undefined')]).toEqual([null, undefined]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(clientDecode(`u:${encodeURIComponent(text)}`)).toBe(text === '' ? 'u:' : text);
        expect(clientDecode(`b:${utf8Base64(text)}`)).toBe(text === '' ? 'b:' : text);
      }),
    );
  });

  it('|-joined arrays split back into their items, escapes undone', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1 }), (items) => {
        fc.pre(!(items.length === 1 && items[0] === ''));
        const joined = items.map((i) => i.replaceAll('\\', '\\\\').replaceAll('|', '\\|')).join('|');
        expect(splitArray(joined)).toEqual(items);
        expect(decodeTyped(joined, 'array|items:string')).toEqual(
          joined.trim().startsWith('[') ? expect.anything() : items,
        );
      }),
    );
  });

  it('the catalog parser: any JSON is a catalog or a Corrupt error, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        try {
          parseS3dbCatalog(text);
        } catch (error) {
          expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
        }
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (junk) => {
        const text = JSON.stringify({ resources: { r: { currentVersion: 'v1', versions: { v1: junk } } } });
        try {
          expect(Object.keys(parseS3dbCatalog(text))).toEqual(['r']);
        } catch (error) {
          expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
        }
      }),
    );
  });

  it("s3db.js's own types read back what its format writes (s3db.md §5), and never throw", () => {
    const scaled = (v: number, d: number) => toBase62(Math.round(v * 10 ** d));
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 4 }), (cents, d) => {
        const money = Math.abs(cents) / 10 ** d;
        expect(decodeS3dbType(`$${scaled(money, d)}`, `money:${d}`)).toBeCloseTo(money, d);
        expect(decodeS3dbType(`^${scaled(cents / 10 ** d, d)}`, `decimal:${d}|optional`)).toBeCloseTo(
          cents / 10 ** d,
          d,
        );
        const lat = (cents % 90_000_000) / 1e6;
        expect(decodeS3dbType(`~${scaled(lat + 90, 6)}`, 'geo:lat')).toBeCloseTo(lat, 6);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 })), (items) => {
        const text = `^[${items.map((n) => toBase62(n)).join(',')}]`;
        expect(decodeS3dbType(text, 'embedding:8')).toEqual(items.map((n) => n / 1e6));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const address = decodeS3dbType(btoa(String.fromCharCode(...bytes)), 'ip6') as string;
        expect(isIPv6(address)).toBe(true);
        const halves = address.split('::');
        const groups =
          halves.length === 1
            ? address.split(':')
            : [
                ...(halves[0] ? halves[0].split(':') : []),
                ...Array(8 - halves.filter(Boolean).reduce((n, h) => n + h.split(':').length, 0)).fill('0'),
                ...(halves[1] ? halves[1].split(':') : []),
              ];
        expect(groups.map((g) => Number.parseInt(g, 16))).toEqual(
          Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!),
        );
      }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom(
          'money',
          'crypto:4',
          'decimal',
          'geo:lon',
          'geo:point',
          'ip4',
          'ip6',
          'embedding',
          'string',
        ),
        (text, type) => {
          const decoded = decodeS3dbType(text, type);
          if (type === 'string') expect(decoded).toBe(NOT_MINE);
        },
      ),
    );
    expect(decodeS3dbType('wAgCAAAAAAAAAAAAAAAAAQ==', 'ip6')).toBe('c008:200::1');
    expect(decodeS3dbType('wKgK/g==', 'ip4')).toBe('192.168.10.254');
  });
});

describe('the CSV of bucketkit db export/import', () => {
  it('a line written by export reads back as the same cells (commas, quotes, line breaks, spaces)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), async (a, b) => {
        const line = csvLine({ a, b }, ['a', 'b']);
        expect(await collect(`a,b\r\n${line}\n`)).toEqual([
          ['a', 'b'],
          [a, b],
        ]);
      }),
    );
  });

  it('refuses broken CSV with a usage error naming the line', async () => {
    await expect(collect('a,b\n"open,1\n')).rejects.toThrow(/CSV line 2: a quoted cell is not closed/);
    await expect(collect('a,b\nx"y,1\n')).rejects.toThrow(/CSV line 2: a quote inside an unquoted cell/);
    await expect(collect('a,b\n"x"y,1\n')).rejects.toThrow(/CSV line 2: text after a closing quote/);
  });
});
