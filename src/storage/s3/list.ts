import { ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListEntry, ListOptions } from '../contract/port.js';
import { type ListPage, listPaged, type PageRequest } from '../wire/list-pages.js';

/**
 * Lists a bucket page by page as one async iterator. `v2` (the default) pages with continuation
 * tokens; `v1` pages with markers, for servers whose V2 paging is broken.
 *
 * @example
 * ```ts
 * for await (const entry of listS3(client, 'bucket', { prefix: 'a/' }, 'v2', fail)) console.log(entry);
 * ```
 */
export function listS3(
  client: S3Client,
  bucket: string,
  options: ListOptions,
  api: 'v1' | 'v2',
  fail: (err: unknown, operation: string) => never,
): AsyncGenerator<ListEntry> {
  const send = options.signal ? { abortSignal: options.signal } : undefined;
  const fetchPage = (request: PageRequest): Promise<ListPage> => {
    const common = {
      Bucket: bucket,
      ...(request.prefix ? { Prefix: request.prefix } : {}),
      ...(request.delimiter ? { Delimiter: request.delimiter } : {}),
      MaxKeys: request.maxKeys,
    };
    return api === 'v2'
      ? client.send(
          new ListObjectsV2Command({
            ...common,
            ...(request.marker ? { StartAfter: request.marker } : {}),
            ...(request.token ? { ContinuationToken: request.token } : {}),
          }),
          send,
        )
      : client.send(
          new ListObjectsCommand({ ...common, ...(request.marker ? { Marker: request.marker } : {}) }),
          send,
        );
  };
  return listPaged(options, api, fetchPage, fail);
}
