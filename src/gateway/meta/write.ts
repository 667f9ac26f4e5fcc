import type { Metadata } from '../../storage/index.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { ETAG_META, header, metadataFrom } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { CHECKSUM_META, checksumMetadata, declaredChecksum } from './checksums.js';
import { storedHeadersFrom } from './headers.js';
import { PARTS_META } from './parts.js';
import { readTags, TAGS_META, tagsFromHeader, tagsMetadata, withoutTags } from './tags.js';

/**
 * The metadata a PutObject writes: user metadata, the stored representation headers, the
 * `x-amz-tagging` tag set and the declared checksum.
 *
 * @example
 * ```ts
 * await port.put(key, body, { metadata: await putMetadata(ctx, bucket) });
 * ```
 */
export async function putMetadata(ctx: RequestContext, bucket: ServedBucket): Promise<Metadata> {
  return {
    ...(await requestMetadata(ctx, bucket)),
    ...checksumMetadata(declaredChecksum(ctx.req.headers)),
  };
}

/** User metadata, representation headers and `x-amz-tagging` of a write request (PUT, Copy REPLACE, Create). */
export async function requestMetadata(ctx: RequestContext, bucket: ServedBucket): Promise<Metadata> {
  return {
    ...metadataFrom(ctx.req.headers),
    ...storedHeadersFrom(ctx.req.headers),
    ...(await taggingHeaderMetadata(ctx, bucket)),
  };
}

async function taggingHeaderMetadata(ctx: RequestContext, bucket: ServedBucket): Promise<Metadata> {
  const value = header(ctx.req.headers, 'x-amz-tagging');
  return value ? tagsMetadata(bucket.base, tagsFromHeader(value), ctx.signal) : {};
}

/**
 * The metadata of a CopyObject's new object: `x-amz-metadata-directive` COPY keeps the source's
 * metadata, REPLACE takes the request's (the checksum stays, it describes the same bytes);
 * `x-amz-tagging-directive` COPY keeps the source's tags, REPLACE takes `x-amz-tagging`.
 */
export async function copyMetadata(
  ctx: RequestContext,
  bucket: ServedBucket,
  source: ServedBucket,
  original: Metadata,
  metadataDirective: 'COPY' | 'REPLACE',
): Promise<Metadata> {
  const tagging = header(ctx.req.headers, 'x-amz-tagging-directive').toUpperCase() || 'COPY';
  if (tagging !== 'COPY' && tagging !== 'REPLACE') {
    throw s3Error('InvalidArgument', 400, 'x-amz-tagging-directive must be COPY or REPLACE');
  }
  let metadata: Metadata;
  if (metadataDirective === 'COPY') {
    metadata = withoutTags(original);
  } else {
    metadata = withoutTags({ ...metadataFrom(ctx.req.headers), ...storedHeadersFrom(ctx.req.headers) });
    for (const kept of [ETAG_META, PARTS_META, CHECKSUM_META]) {
      if (original[kept] !== undefined) metadata[kept] = original[kept]!;
    }
  }
  if (tagging === 'REPLACE') return { ...metadata, ...(await taggingHeaderMetadata(ctx, bucket)) };
  if (original[TAGS_META] === undefined) return metadata;
  // the source's tags, re-recorded in the destination's port (a sidecar does not move with the copy)
  const tags = await readTags(source.base, original, ctx.signal);
  return { ...metadata, ...(await tagsMetadata(bucket.base, tags, ctx.signal)) };
}
