import { bkError } from '../../errors.js';
import type { ListPage } from './list-pages.js';
import { type ScannedContents, type ScannedPage, scanListPage } from './list-scan.js';
import { childText, parseXml } from './xml.js';

/**
 * Reads a ListObjects (V1) or ListObjectsV2 answer: objects, common prefixes, truncation and the next
 * token or marker. Keys are URL-decoded when the server says `EncodingType: url`. Anything that is not
 * a well-formed `ListBucketResult` throws `Corrupt`.
 *
 * @example
 * ```ts
 * const page = parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>');
 * ```
 */
export function parseListPage(xml: string): ListPage {
  return pageOf(scanListPage(xml) ?? scanTree(xml));
}

/**
 * `parseListPage` through the full XML parser only (the reference the fast reader is tested against).
 *
 * @example
 * ```ts
 * expect(parseListPage(xml)).toEqual(parseListPageByTree(xml));
 * ```
 */
export function parseListPageByTree(xml: string): ListPage {
  return pageOf(scanTree(xml));
}

/** The full parser's reading of a listing, in the fast reader's shape (same field rules). */
function scanTree(xml: string): ScannedPage {
  const root = parseXml(xml);
  if (root.name !== 'ListBucketResult') {
    throw bkError('Corrupt', `expected a ListBucketResult from the S3 server, got <${root.name}>`);
  }
  const page: ScannedPage = { contents: [], prefixes: [] };
  const encodingType = childText(root, 'EncodingType');
  if (encodingType !== undefined) page.encodingType = encodingType;
  for (const child of root.children) {
    switch (child.name) {
      case 'Contents': {
        const entry: ScannedContents = {};
        for (const field of child.children) {
          if (field.name === 'Key') entry.key = field.text;
          else if (field.name === 'Size') entry.size = field.text;
          else if (field.name === 'ETag') entry.etag = field.text;
          else if (field.name === 'LastModified') entry.lastModified = field.text;
        }
        page.contents.push(entry);
        break;
      }
      case 'CommonPrefixes':
        page.prefixes.push(childText(child, 'Prefix'));
        break;
      case 'IsTruncated':
        page.isTruncated = child.text;
        break;
      case 'NextContinuationToken':
        page.nextToken = child.text;
        break;
      case 'NextMarker':
        page.nextMarker = child.text;
        break;
    }
  }
  return page;
}

function pageOf(scanned: ScannedPage): ListPage {
  const urlEncoded = scanned.encodingType?.trim() === 'url';
  const name = (text: string | undefined, what: string) => {
    if (text === undefined) throw bkError('Corrupt', `a listing entry has no ${what}`);
    return urlEncoded ? urlDecode(text) : text;
  };
  const page: ListPage = {
    Contents: scanned.contents.map((entry) => objectOf(entry, name)),
    CommonPrefixes: scanned.prefixes.map((prefix) => ({ Prefix: name(prefix, 'Prefix') })),
  };
  if (scanned.isTruncated !== undefined) page.IsTruncated = scanned.isTruncated.trim() === 'true';
  if (scanned.nextToken !== undefined) page.NextContinuationToken = scanned.nextToken;
  if (scanned.nextMarker !== undefined) page.NextMarker = name(scanned.nextMarker, 'NextMarker');
  return page;
}

function objectOf(
  entry: ScannedContents,
  name: (text: string | undefined, what: string) => string,
): NonNullable<ListPage['Contents']>[number] {
  const size = entry.size === undefined ? 0 : Number(entry.size.trim());
  if (!Number.isSafeInteger(size) || size < 0) {
    throw bkError('Corrupt', 'a listing entry has an invalid Size', { details: { key: entry.key } });
  }
  return {
    Key: name(entry.key, 'Key'),
    Size: size,
    ETag: entry.etag ?? '',
    LastModified: entry.lastModified === undefined ? new Date(0) : new Date(entry.lastModified.trim()),
  };
}

function urlDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw bkError('Corrupt', 'the S3 server sent a badly URL-encoded key in a listing');
  }
}
