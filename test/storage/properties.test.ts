import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyListing, compareUtf8 } from '../../src/storage/contract/listing.js';
import { createMd5, multipartEtag } from '../../src/storage/contract/md5.js';
import type { ListedObject } from '../../src/storage/contract/port.js';
import { keyToPath, kindOfName, pathToKey } from '../../src/storage/file/paths.js';

const keyArb = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('', '.', '..', '~', '~+', '%', 'x~l'),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((parts) => parts.join('/'))
  .filter((k) => k.length > 0);

describe('file adapter key encoding', () => {
  it('round-trips every key and never yields ".", "..", separators or NUL in a name', () => {
    fc.assert(
      fc.property(fc.oneof(keyArb, fc.string({ unit: 'binary', minLength: 1, maxLength: 400 })), (key) => {
        fc.pre(!/[\ud800-\udfff]/.test(key));
        const { dirs, base } = keyToPath(key);
        expect(pathToKey(dirs, base)).toBe(key);
        for (const name of [...dirs, `${base}~`]) {
          expect(name).not.toMatch(/^\.\.?$|[/\\\0]/);
          expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
        }
        for (const dir of dirs) expect(['directory', 'continuation']).toContain(kindOfName(dir));
        expect(kindOfName(`${base}~`)).toBe('record');
      }),
      { numRuns: 2000 },
    );
  });

  it('maps distinct keys to distinct record paths', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        fc.pre(a !== b);
        const pa = keyToPath(a);
        const pb = keyToPath(b);
        expect([...pa.dirs, `${pa.base}~`].join('/')).not.toBe([...pb.dirs, `${pb.base}~`].join('/'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('listing semantics', () => {
  it('matches a straightforward model of S3 prefix/delimiter/startAfter', () => {
    const keys = fc.uniqueArray(fc.stringMatching(/^[ab/é😀-]{1,6}$/u), { maxLength: 40 });
    fc.assert(
      fc.property(
        keys,
        fc.stringMatching(/^[ab/]{0,2}$/),
        fc.option(fc.constant('/')),
        fc.option(fc.stringMatching(/^[ab/]{0,3}$/)),
        (ks, prefix, delimiter, startAfter) => {
          const objects: ListedObject[] = ks.map((key) => ({
            type: 'object',
            key,
            size: 0,
            etag: '',
            lastModified: new Date(0),
          }));
          const got = [
            ...applyListing(objects, {
              prefix,
              ...(delimiter ? { delimiter } : {}),
              ...(startAfter !== null ? { startAfter } : {}),
            }),
          ].map((e) => (e.type === 'object' ? e.key : `P:${e.prefix}`));
          const model: string[] = [];
          for (const key of [...ks].sort(compareUtf8)) {
            if (!key.startsWith(prefix) || (startAfter !== null && compareUtf8(key, startAfter) <= 0))
              continue;
            const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
            const entry = at >= 0 ? `P:${key.slice(0, at + 1)}` : key;
            if (entry.startsWith('P:') && startAfter !== null && compareUtf8(entry.slice(2), startAfter) <= 0)
              continue;
            if (!model.includes(entry)) model.push(entry);
          }
          expect(got).toEqual(model);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('compareUtf8 orders like byte-wise comparison of UTF-8 buffers', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });
});

describe('MD5 ETags', () => {
  it('incremental MD5 equals node:crypto for any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const md5 = createMd5();
        const reference = createHash('md5');
        for (const c of chunks) {
          md5.update(c);
          reference.update(c);
        }
        expect(md5.hex()).toBe(reference.digest('hex'));
      }),
    );
  });

  it('multipartEtag is md5 of the binary part digests, then -N', () => {
    const parts = [Buffer.from('part one'), Buffer.from('part two')];
    const digests = parts.map((p) => createHash('md5').update(p).digest());
    const expected = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-2`;
    expect(multipartEtag(digests.map((d) => d.toString('hex')))).toBe(expected);
  });
});
