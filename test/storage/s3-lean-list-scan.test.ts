import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { normalizeEtag } from '../../src/storage/contract/validate.js';
import { parseListPage, parseListPageByTree } from '../../src/storage/wire/list-page-xml.js';
import { scanListPage } from '../../src/storage/wire/list-scan.js';

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const space = fc.constantFrom('', '', '\n', '\n  ', ' ');
const xmlText = fc.string({ unit: 'grapheme', maxLength: 24 });

const contents = fc.record({
  key: xmlText,
  size: fc.nat(1e12),
  etag: fc.stringMatching(/^[0-9a-f]{32}(-[0-9]{1,3})?$/),
  lastModified: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
  owner: fc.boolean(),
  storageClass: fc.boolean(),
  pad: space,
});

/** A ListBucketResult the way S3 servers write them, with varying optional parts and spacing. */
const listing = fc
  .record({
    declaration: fc.boolean(),
    xmlns: fc.boolean(),
    urlEncoded: fc.boolean(),
    truncated: fc.option(fc.boolean()),
    token: fc.option(xmlText),
    marker: fc.option(xmlText),
    entries: fc.array(contents, { maxLength: 8 }),
    prefixes: fc.array(xmlText, { maxLength: 3 }),
    pad: space,
  })
  .map((l) => {
    const name = (text: string) => xmlEscape(l.urlEncoded ? encodeURIComponent(text) : text);
    const p = l.pad;
    let xml = l.declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
    xml += `<ListBucketResult${l.xmlns ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : ''}>${p}`;
    xml += `<Name>bucket</Name>${p}<Prefix></Prefix>${p}<MaxKeys>1000</MaxKeys>${p}`;
    if (l.truncated !== null) xml += `<IsTruncated>${l.truncated}</IsTruncated>${p}`;
    for (const e of l.entries) {
      const q = e.pad;
      xml += `<Contents>${q}<Key>${name(e.key)}</Key>${q}<LastModified>${e.lastModified.toISOString()}</LastModified>${q}`;
      xml += `<ETag>&quot;${e.etag}&quot;</ETag>${q}<Size>${e.size}</Size>${q}`;
      if (e.owner) xml += `<Owner>${q}<ID>abc</ID>${q}<DisplayName>x &amp; y</DisplayName>${q}</Owner>${q}`;
      if (e.storageClass) xml += `<StorageClass>STANDARD</StorageClass>${q}`;
      xml += `</Contents>${p}`;
    }
    for (const prefix of l.prefixes)
      xml += `<CommonPrefixes><Prefix>${name(prefix)}</Prefix></CommonPrefixes>${p}`;
    if (l.urlEncoded) xml += `<EncodingType>url</EncodingType>${p}`;
    if (l.token !== null) xml += `<NextContinuationToken>${xmlEscape(l.token)}</NextContinuationToken>${p}`;
    if (l.marker !== null) xml += `<NextMarker>${name(l.marker)}</NextMarker>${p}`;
    return { xml: `${xml}</ListBucketResult>\n`, l };
  });

describe('the fast listing reader', () => {
  it('reads what servers send exactly as the full parser does, without falling back', () => {
    fc.assert(
      fc.property(listing, ({ xml, l }) => {
        expect(scanListPage(xml)).toBeDefined();
        const page = parseListPage(xml);
        expect(page).toEqual(parseListPageByTree(xml));
        expect(page.Contents?.map((c) => c.Key)).toEqual(l.entries.map((e) => e.key));
        expect(page.Contents?.map((c) => c.Size)).toEqual(l.entries.map((e) => e.size));
        expect(page.CommonPrefixes?.map((c) => c.Prefix)).toEqual(l.prefixes);
      }),
      { numRuns: 1500 },
    );
  });

  it('fuzz: on mutated listings it agrees with the full parser, or leaves the text to it', () => {
    const mutated = listing.chain(({ xml }) =>
      fc
        .tuple(
          fc.nat(xml.length),
          fc.nat(12),
          fc.constantFrom(
            '<',
            '>',
            '/',
            '&',
            '<!--x-->',
            '<a>',
            '</a>',
            '"',
            ' ',
            'x',
            '<![CDATA[y]]>',
            '<s3:Key>',
            '&#0;',
            '<b/>',
          ),
        )
        .map(([at, cut, insert]) => xml.slice(0, at) + insert + xml.slice(at + cut)),
    );
    let fast = 0;
    fc.assert(
      fc.property(mutated, (xml) => {
        const outcome = (read: () => unknown) => {
          try {
            return { page: read() };
          } catch (err) {
            expect(BucketkitError.is(err, 'Corrupt'), String(err)).toBe(true);
            return { corrupt: true };
          }
        };
        const scanned = outcome(() => scanListPage(xml));
        if ('page' in scanned && scanned.page === undefined) return; // left to the full parser
        fast++;
        expect(outcome(() => parseListPage(xml))).toEqual(outcome(() => parseListPageByTree(xml)));
      }),
      { numRuns: 4000 },
    );
    expect(fast).toBeGreaterThan(100); // the property was not vacuous
  });

  it('normalizeEtag strips one pair of quotes and a weak mark, as the regular expressions it replaced did', () => {
    const reference = (etag?: string) => (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
    const etags = fc.oneof(fc.string(), fc.stringMatching(/^(W\/)?"?[0-9a-f"W/]{0,6}"?$/));
    fc.assert(
      fc.property(fc.option(etags, { nil: undefined }), (e) => {
        expect(normalizeEtag(e)).toBe(reference(e));
      }),
      {
        numRuns: 5000,
      },
    );
  });
});
