import { parseListPage } from '../../wire/list-page-xml.js';
import type { ListPage, PageRequest } from '../../wire/list-pages.js';
import type { LeanHttp } from './http.js';
import { readText } from './http.js';

/** A 1,000-key page is about 300 KB of XML; more than this is not a listing. */
const LIST_BODY_LIMIT = 64 * 1024 * 1024;

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
