import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  decodePartSizes,
  encodePartSizes,
  partRange,
  readTags,
  storedHeadersFrom,
  storedHeadersOf,
  tagCount,
  tagsFromHeader,
  tagsFromXml,
  tagsMetadata,
} from '../../src/gateway/meta/index.js';
import { toXml } from '../../src/gateway/xml.js';
import { memoryStorage } from '../../src/index.js';

/** The codecs of what the gateway keeps with an object (issue #18): properties from the pinned seed, and fuzzing. */
describe('object extras codecs', () => {
  it('part sizes round-trip, and part n is the byte range after parts 1..n-1 (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (raw, pick) => {
          const sizes = raw.map((r) => r * 5);
          const text = encodePartSizes(sizes);
          expect(decodePartSizes(text)).toEqual(sizes);
          const n = (pick % sizes.length) + 1;
          const size = sizes.reduce((a, b) => a + b, 0);
          const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
          const range = partRange(
            { size, etag: `e-${sizes.length}`, metadata: { 'bucketkit.parts': text } },
            n,
          );
          expect(range).toEqual({ start, end: start + sizes[n - 1]! - 1, count: sizes.length });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a usual upload is two runs whatever its part count', () => {
    expect(encodePartSizes([...Array(9_999).fill(8 * 1024 * 1024), 17])).toBe('8388608*9999,17');
  });

  it('decodePartSizes never throws on any text and refuses more than 10,000 parts (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const sizes = decodePartSizes(text);
        if (sizes !== undefined) expect(sizes.length).toBeLessThanOrEqual(10_000);
      }),
      { numRuns: 500 },
    );
    expect(decodePartSizes('1*10001')).toBeUndefined();
    expect(decodePartSizes('5*99999999999')).toBeUndefined();
  });

  const tagText = fc.stringMatching(/^[a-zA-Z0-9 +\-=._:/@éß中]{0,20}$/);
  const tagSet = fc
    .uniqueArray(
      fc.record({
        key: tagText.filter((k) => k.length > 0 && !k.toLowerCase().startsWith('aws:')),
        value: tagText,
      }),
      {
        maxLength: 10,
        selector: (t) => t.key,
      },
    )
    .filter((tags) => tags.length > 0);

  it('tag sets round-trip through the Tagging document and the stored entry, inline or sidecar (property)', async () => {
    const port = memoryStorage();
    await fc.assert(
      fc.asyncProperty(tagSet, fc.boolean(), async (tags, long) => {
        const set = long ? tags.map((t) => ({ key: t.key, value: t.value.padEnd(250, 'v') })) : tags;
        const xml = toXml('Tagging', { TagSet: { Tag: set.map((t) => ({ Key: t.key, Value: t.value })) } });
        expect(tagsFromXml(xml, 10)).toEqual(set);
        const metadata = await tagsMetadata(port, set);
        expect(tagCount(metadata)).toBe(set.length);
        expect(await readTags(port, metadata)).toEqual(set);
      }),
      { numRuns: 150 },
    );
  });

  it('x-amz-tagging parses as a form-encoded query (+ a space) and refuses what S3 refuses', () => {
    expect(tagsFromHeader('a=1&b=x+y&c=%C3%A9')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: 'x y' },
      { key: 'c', value: 'é' },
    ]);
    for (const bad of ['a=1&a=2', 'aws:x=1', '=1', `k=${'v'.repeat(257)}`, 'k=<script>']) {
      expect(() => tagsFromHeader(bad), bad).toThrow(BucketkitError);
    }
  });

  it('representation headers round-trip through metadata for any Latin-1 value (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 60,
        }),
        (value) => {
          const stored = storedHeadersFrom({ 'cache-control': value, 'content-language': value });
          for (const v of Object.values(stored)) expect(v).toMatch(/^[\x20-\x7e]*$/);
          expect(storedHeadersOf(stored)).toEqual({ 'cache-control': value, 'content-language': value });
        },
      ),
      { numRuns: 300 },
    );
    expect(storedHeadersOf(storedHeadersFrom({ 'content-encoding': 'aws-chunked,gzip' }))).toEqual({
      'content-encoding': 'gzip',
    });
  });
});
