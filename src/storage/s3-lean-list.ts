import { bkError } from '../errors.js';
import type { LeanHttp } from './s3-lean-http.js';
import { readText } from './s3-lean-http.js';
import { childText, parseXml, type XmlElement } from './s3-lean-xml.js';
import type { ListPage, PageRequest } from './s3-list.js';

/** A 1,000-key page is about 300 KB of XML; more than this is not a listing. */
const LIST_BODY_LIMIT = 64 * 1024 * 1024;

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
  const root = parseXml(xml);
  if (root.name !== 'ListBucketResult') {
    throw bkError('Corrupt', `expected a ListBucketResult from the S3 server, got <${root.name}>`);
  }
  const urlEncoded = childText(root, 'EncodingType')?.trim() === 'url';
  const name = (text: string | undefined, what: string) => {
    if (text === undefined) throw bkError('Corrupt', `a listing entry has no ${what}`);
    return urlEncoded ? urlDecode(text) : text;
  };
  const contents: NonNullable<ListPage['Contents']> = [];
  const prefixes: NonNullable<ListPage['CommonPrefixes']> = [];
  const page: ListPage = { Contents: contents, CommonPrefixes: prefixes };
  for (const child of root.children) {
    switch (child.name) {
      case 'Contents':
        contents.push(objectOf(child, name));
        break;
      case 'CommonPrefixes':
        prefixes.push({ Prefix: name(childText(child, 'Prefix'), 'Prefix') });
        break;
      case 'IsTruncated':
        page.IsTruncated = child.text.trim() === 'true';
        break;
      case 'NextContinuationToken':
        page.NextContinuationToken = child.text;
        break;
      case 'NextMarker':
        page.NextMarker = name(child.text, 'NextMarker');
        break;
    }
  }
  return page;
}

function objectOf(
  element: XmlElement,
  name: (text: string | undefined, what: string) => string,
): NonNullable<ListPage['Contents']>[number] {
  let key: string | undefined;
  let size = 0;
  let etag = '';
  let lastModified = new Date(0);
  for (const field of element.children) {
    if (field.name === 'Key') key = field.text;
    else if (field.name === 'Size') size = Number(field.text.trim());
    else if (field.name === 'ETag') etag = field.text;
    else if (field.name === 'LastModified') lastModified = new Date(field.text.trim());
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw bkError('Corrupt', 'a listing entry has an invalid Size', { details: { key } });
  }
  return { Key: name(key, 'Key'), Size: size, ETag: etag, LastModified: lastModified };
}

function urlDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw bkError('Corrupt', 'the S3 server sent a badly URL-encoded key in a listing');
  }
}

/**
 * One listing page over the lean path: ListObjectsV2 (`list-type=2`) or ListObjects (V1).
 *
 * @example
 * ```ts
 * const page = await fetchLeanPage(http, 'v2', { prefix: 'a/', maxKeys: 1000 }, signal);
 * ```
 */
export async function fetchLeanPage(
  http: LeanHttp,
  api: 'v1' | 'v2',
  request: PageRequest,
  signal: AbortSignal | undefined,
): Promise<ListPage> {
  const query: Record<string, string> = { 'max-keys': String(request.maxKeys) };
  if (api === 'v2') query['list-type'] = '2';
  if (request.prefix) query.prefix = request.prefix;
  if (request.delimiter) query.delimiter = request.delimiter;
  if (request.marker) query[api === 'v2' ? 'start-after' : 'marker'] = request.marker;
  if (request.token) query['continuation-token'] = request.token;
  const res = await http.send({ method: 'GET', query, signal });
  return parseListPage(await readText(res, LIST_BODY_LIMIT));
}
