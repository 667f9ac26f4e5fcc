/** CopyObject, and the copy source (`x-amz-copy-source`, its conditions) UploadPartCopy shares. */
import type { GetResult } from '../storage/index.js';
import { assertClientKey, type RequestContext, type ServedBucket } from './context.js';
import { checkConditions, ETAG_META, header, quoted, sendXml, visibleEtag } from './http.js';
import { copyMetadata } from './meta/index.js';
import { notify } from './notifier.js';
import { conditionalPut, writeConditions } from './object-write.js';
import { s3Error } from './s3-errors.js';
import {
  carriedMetadata,
  openVersion,
  requestLock,
  storedVersionId,
  versionHeader,
} from './versioning/index.js';
import { toXml } from './xml.js';

/** Parses `x-amz-copy-source` (`[/]bucket/key[?versionId=...]`, %-encoded). */
export function copySource(
  ctx: RequestContext,
  name = 'x-amz-copy-source',
): { bucket: string; key: string; versionId?: string } {
  let raw = header(ctx.req.headers, name);
  const version = raw.indexOf('?');
  let versionId: string | undefined;
  if (version >= 0) {
    versionId = /(?:^|&)versionId=([^&]*)/.exec(raw.slice(version + 1))?.[1];
    raw = raw.slice(0, version);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.replace(/^\//, ''));
  } catch {
    throw s3Error('InvalidArgument', 400, `${name} holds a malformed %-escape`);
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Error('InvalidArgument', 400, `${name} must be "bucket/key" (URL-encoded)`);
  }
  return {
    bucket: decoded.slice(0, slash),
    key: assertClientKey(decoded.slice(slash + 1)),
    ...(versionId !== undefined ? { versionId: decodeURIComponent(versionId) } : {}),
  };
}

/** Reads a copy source's object after checking the `x-amz-copy-source-if-*` conditions. */
export async function openCopySource(
  ctx: RequestContext,
  source: ServedBucket,
  key: string,
  range?: { start: number; end: number },
  versionId?: string,
): Promise<GetResult> {
  const options = { signal: ctx.signal, ...(range ? { range } : {}) };
  const result = versionId
    ? await openVersion(source, key, versionId, options)
    : await source.port.get(key, options);
  const sourceVersion = storedVersionId(result.metadata);
  if (sourceVersion) ctx.res.setHeader('x-amz-copy-source-version-id', sourceVersion);
  try {
    checkConditions(ctx.req.headers, visibleEtag(result), result.lastModified, 'x-amz-copy-source-');
  } catch (err) {
    await result.body.cancel().catch(() => {});
    throw err;
  }
  return result;
}

/**
 * CopyObject: the source streams into a conditional write, within a bucket or across buckets (and
 * so across ports); COPY keeps the source's metadata and type, REPLACE takes the request's.
 */
export async function copyObject(
  ctx: RequestContext,
  bucket: ServedBucket,
  resolve: (name: string) => Promise<ServedBucket>,
): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const from = copySource(ctx);
  const source = from.bucket === bucket.name ? bucket : await resolve(from.bucket);
  const directive = header(ctx.req.headers, 'x-amz-metadata-directive').toUpperCase() || 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Error('InvalidArgument', 400, 'x-amz-metadata-directive must be COPY or REPLACE');
  }
  if (source === bucket && from.key === key && directive === 'COPY' && from.versionId === undefined) {
    throw s3Error(
      'InvalidRequest',
      400,
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const original = await openCopySource(ctx, source, from.key, undefined, from.versionId);
  const contentType = header(ctx.req.headers, 'content-type');
  const metadata = {
    ...carriedMetadata(await copyMetadata(ctx, bucket, source, original.metadata, directive)),
    ...(await requestLock(ctx, bucket)),
  };
  const type = directive === 'REPLACE' ? contentType : original.contentType;
  const result = await conditionalPut(
    bucket,
    key,
    original.body,
    { metadata, signal: ctx.signal, ...(type ? { contentType: type } : {}) },
    writeConditions(ctx),
  );
  const etag = metadata[ETAG_META] ?? result.etag;
  sendXml(
    ctx.res,
    toXml('CopyObjectResult', { LastModified: new Date(), ETag: quoted(etag) }),
    200,
    versionHeader(result),
  );
  notify(ctx, bucket, 'ObjectCreated:Copy', { key, size: result.size, etag });
}
