import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { childrenNamed, childText, escapeXml, parseXml, toXml } from '../../src/gateway/xml.js';

const isMalformed = (err: unknown) => BucketkitError.is(err) && err.details.s3Code === 'MalformedXML';

describe('gateway XML', () => {
  it('round-trips any key text through the writer and the parser (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        (keys) => {
          const xml = toXml('Delete', { Object: keys.map((Key) => ({ Key })) }, null);
          const parsed = childrenNamed(parseXml(xml), 'Object').map((o) => childText(o, 'Key'));
          expect(parsed).toEqual(keys);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('escapes the five special characters and control characters', () => {
    expect(escapeXml(`a<b>&"'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;&apos;&#x1;');
  });

  it('parses namespaces, attributes, comments, CDATA and character references', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><s3:Delete xmlns:s3="http://s3"><Quiet>true</Quiet><Object a="1"><Key><![CDATA[a<b]]>&#x41;&amp;</Key></Object></s3:Delete>',
    );
    expect(root.name).toBe('Delete');
    expect(childText(root, 'Quiet')).toBe('true');
    expect(childText(childrenNamed(root, 'Object')[0]!, 'Key')).toBe('a<bA&');
  });

  it('refuses DTDs, unknown entities, bare ampersands, mismatched and unclosed tags', () => {
    for (const bad of [
      '<!DOCTYPE x><x/>',
      '<x>&ent;</x>',
      '<x>a & b</x>',
      '<x><y></x></y>',
      '<x>',
      '<x></x><y></y>',
      '',
      '<x>&#xD800;</x>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow();
      try {
        parseXml(bad);
      } catch (err) {
        expect(isMalformed(err), bad).toBe(true);
      }
    }
  });

  it('fuzz: arbitrary bytes and mutated documents only ever fail with MalformedXML', () => {
    const valid =
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part></CompleteMultipartUpload>';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc
            .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 10 }))
            .map(
              ([at, cut, insert]) =>
                valid.slice(0, at) + insert + valid.slice(Math.min(valid.length, at + (cut % 5))),
            ),
        ),
        (input) => {
          try {
            parseXml(input);
          } catch (err) {
            expect(isMalformed(err)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
