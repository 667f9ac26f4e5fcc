import { throwIfAborted } from '../../errors.js';
import { compareUtf8 } from '../contract/listing.js';
import type { ListEntry, ListOptions } from '../contract/port.js';
import { normalizeEtag } from '../contract/validate.js';

/** One page of a ListObjects (V1) or ListObjectsV2 answer, in the SDK's shape (both S3 paths and http). */
export interface ListPage {
  Contents?: { Key?: string; Size?: number; ETag?: string; LastModified?: Date }[];
  CommonPrefixes?: { Prefix?: string }[];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
  NextMarker?: string;
}

/** What one page request asks for: the list options plus where this page starts. */
export interface PageRequest {
  prefix?: string;
  delimiter?: string;
  maxKeys: number;
  /** V2 before the first token: StartAfter; V1: Marker. */
  marker?: string;
  /** V2 only. */
  token?: string;
}

/**
 * The paging loop shared by the SDK, the lean path and the http port: merges objects and prefixes in UTF-8 order and
 * follows continuation tokens (V2) or markers (V1) while the server says the listing is truncated.
 *
 * @example
 * ```ts
 * for await (const entry of listPaged({ prefix: 'a/' }, 'v1', fetchPage, fail)) console.log(entry);
 * ```
 */
export async function* listPaged(
  options: ListOptions,
  api: 'v1' | 'v2',
  fetchPage: (request: PageRequest) => Promise<ListPage>,
  fail: (err: unknown, operation: string) => never,
): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  let marker = options.startAfter;
  const base = {
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    maxKeys: options.pageSize ?? 1000,
  };
  for (;;) {
    throwIfAborted(options.signal);
    let page: ListPage;
    try {
      page = await fetchPage({
        ...base,
        ...(marker && !(api === 'v2' && token) ? { marker } : {}),
        ...(token ? { token } : {}),
      });
    } catch (err) {
      return fail(err, api === 'v2' ? 'ListObjectsV2' : 'ListObjects');
    }
    const entries: ListEntry[] = [
      ...(page.Contents ?? []).map((o) => ({
        type: 'object' as const,
        key: o.Key ?? '',
        size: Number(o.Size ?? 0),
        etag: normalizeEtag(o.ETag),
        lastModified: o.LastModified ?? new Date(0),
      })),
      ...(page.CommonPrefixes ?? []).map((p) => ({ type: 'prefix' as const, prefix: p.Prefix ?? '' })),
    ];
    // S3 returns objects and prefixes as two sorted lists; some servers (s3rver) sort by UTF-16 instead
    // (checked first: a page is almost always in order already, and a check costs n - 1 comparisons)
    if (!inUtf8Order(entries)) entries.sort((a, b) => compareUtf8(nameOf(a), nameOf(b)));
    yield* entries;
    // some servers echo a continuation token on the last page: trust IsTruncated alone
    if (!page.IsTruncated) return;
    if (api === 'v2') {
      token = page.NextContinuationToken;
      if (!token) return;
    } else {
      const last = entries[entries.length - 1];
      marker = page.NextMarker ?? (last ? nameOf(last) : undefined);
      if (!marker) return;
    }
  }
}

const nameOf = (entry: ListEntry) => (entry.type === 'object' ? entry.key : entry.prefix);

function inUtf8Order(entries: ListEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    if (compareUtf8(nameOf(entries[i - 1]!), nameOf(entries[i]!)) > 0) return false;
  }
  return true;
}
