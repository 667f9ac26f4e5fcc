/**
 * What the gateway keeps with an object beside its bytes and user metadata — representation headers,
 * the part layout, tags, checksums — all in hidden metadata (`bucketkit.*`), with sidecars under the
 * reserved prefix for what does not fit or arrives after the body.
 */
import type { Metadata } from '../../storage/index.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { header } from '../http.js';
import { checksumHeaders, storedChecksum } from './checksums.js';
import { storedHeadersOf } from './headers.js';
import { tagCount } from './tags.js';

export * from './checksums.js';
export * from './headers.js';
export * from './parts.js';
export * from './rewrite.js';
export * from './tags.js';

/**
 * Response headers an object's hidden metadata adds on GET and HEAD: the stored representation
 * headers, `x-amz-tagging-count`, and with `x-amz-checksum-mode: ENABLED` on a whole-object read the
 * stored checksum.
 *
 * @example
 * ```ts
 * Object.assign(headers, await objectExtraHeaders(ctx, bucket, info, true));
 * ```
 */
export async function objectExtraHeaders(
  ctx: RequestContext,
  bucket: ServedBucket,
  object: { etag: string; metadata: Metadata },
  whole: boolean,
): Promise<Record<string, string>> {
  const headers = storedHeadersOf(object.metadata);
  const tags = tagCount(object.metadata);
  if (tags > 0) headers['x-amz-tagging-count'] = String(tags);
  if (whole && header(ctx.req.headers, 'x-amz-checksum-mode').toUpperCase() === 'ENABLED') {
    Object.assign(headers, checksumHeaders(await storedChecksum(bucket.base, object, ctx.signal)));
  }
  return headers;
}
export * from './write.js';
