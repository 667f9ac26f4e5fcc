import { ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { throwIfAborted } from '../errors.js';
import { compareUtf8 } from './listing.js';
import type { ListEntry, ListOptions } from './port.js';
import { normalizeEtag } from './validate.js';

interface Page {
  Contents?: { Key?: string; Size?: number; ETag?: string; LastModified?: Date }[];
  CommonPrefixes?: { Prefix?: string }[];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
  NextMarker?: string;
}

/**
 * Lists a bucket page by page as one async iterator. `v2` (the default) pages with continuation
 * tokens; `v1` pages with markers, for servers whose V2 paging is broken.
 *
 * @example
 * ```ts
 * for await (const entry of listS3(client, 'bucket', { prefix: 'a/' }, 'v2', fail)) console.log(entry);
 * ```
 */
export async function* listS3(
  client: S3Client,
  bucket: string,
  options: ListOptions,
  api: 'v1' | 'v2',
  fail: (err: unknown, operation: string) => never,
): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  let marker = options.startAfter;
  const send = options.signal ? { abortSignal: options.signal } : undefined;
  const common = {
    Bucket: bucket,
    ...(options.prefix ? { Prefix: options.prefix } : {}),
    ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
    MaxKeys: options.pageSize ?? 1000,
  };
  for (;;) {
    throwIfAborted(options.signal);
    let page: Page;
    try {
      page =
        api === 'v2'
          ? await client.send(
              new ListObjectsV2Command({
                ...common,
                ...(marker && !token ? { StartAfter: marker } : {}),
                ...(token ? { ContinuationToken: token } : {}),
              }),
              send,
            )
          : await client.send(
              new ListObjectsCommand({ ...common, ...(marker ? { Marker: marker } : {}) }),
              send,
            );
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
    entries.sort((a, b) => compareUtf8(nameOf(a), nameOf(b)));
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
