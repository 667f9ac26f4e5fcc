import type { ServerResponse } from 'node:http';
import { BucketkitError } from '../errors.js';
import type { Body, GetResult, Metadata, PutResult } from '../storage/index.js';
import { objectBody } from './body.js';
import { assertClientKey, headOrUndefined, type RequestContext, type ServedBucket } from './context.js';
import {
  checkConditions,
  ETAG_META,
  etagListMatches,
  header,
  objectHeaders,
  parseRange,
  quoted,
  send,
  sendXml,
  visibleEtag,
} from './http.js';
import {
  copyMetadata,
  keepLateChecksum,
  objectExtraHeaders,
  partRange,
  putMetadata,
  requestedPart,
} from './meta/index.js';
import { notify } from './notifier.js';
import { s3Error } from './s3-errors.js';
import {
  bucketState,
  carriedMetadata,
  openVersion,
  requestLock,
  storedVersionId,
  versionHeader,
  withoutVersionId,
  writeVersion,
} from './versioning/index.js';
import { toXml } from './xml.js';

const OVERRIDES = [
  'content-type',
  'content-language',
  'expires',
  'cache-control',
  'content-disposition',
  'content-encoding',
];

/** The write conditions of a request, as visible ETags (what clients saw). */
export interface WriteConditions {
  ifNoneMatch?: string;
  ifMatch?: string;
}

/** `If-None-Match` / `If-Match` of a write request. */
export function writeConditions(ctx: RequestContext): WriteConditions {
  const ifNoneMatch = header(ctx.req.headers, 'if-none-match');
  const ifMatch = header(ctx.req.headers, 'if-match');
  return { ...(ifNoneMatch ? { ifNoneMatch } : {}), ...(ifMatch ? { ifMatch } : {}) };
}

/**
 * Writes an object honouring If-None-Match / If-Match atomically: through the port when it enforces
 * conditions, else under the gateway's per-key lock (correct while the gateway is the only writer).
 *
 * @example
 * ```ts
 * await conditionalPut(bucket, 'a.txt', body, { metadata: {} }, { ifNoneMatch: '*' });
 * ```
 */
export async function conditionalPut(
  bucket: ServedBucket,
  key: string,
  body: Body,
  written: { metadata: Metadata; contentType?: string; signal?: AbortSignal },
  conditions: WriteConditions,
): Promise<PutResult & { versionId?: string }> {
  const options = { ...written, metadata: withoutVersionId(written.metadata) };
  const state = await bucketState(bucket);
  if (state.versioning !== 'Unversioned') return writeVersion(bucket, state, key, body, options, conditions);
  return bucket.exclusive(key, async () => {
    const failed = () =>
      s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
        key,
      });
    let ifMatch: string | undefined;
    let ifNoneMatch = conditions.ifNoneMatch?.trim() === '*';
    const listed = conditions.ifNoneMatch !== undefined && !ifNoneMatch;
    if (conditions.ifMatch !== undefined || listed || (ifNoneMatch && !bucket.conditional)) {
      const current = await headOrUndefined(bucket.port, key, options.signal);
      if (ifNoneMatch && current) throw failed();
      if (listed && current) {
        const matches =
          etagListMatches(conditions.ifNoneMatch!, visibleEtag(current)) ||
          etagListMatches(conditions.ifNoneMatch!, current.etag);
        if (matches) throw failed();
        // written only over the version just checked
        ifMatch = current.etag;
      } else if (listed) {
        ifNoneMatch = true;
      }
      if (conditions.ifMatch !== undefined) {
        if (!current) throw s3Error('NoSuchKey', 404, 'The specified key does not exist.', { key });
        const matches =
          etagListMatches(conditions.ifMatch, visibleEtag(current)) ||
          etagListMatches(conditions.ifMatch, current.etag);
        if (!matches) throw failed();
        ifMatch = current.etag;
      }
    }
    const atomic = bucket.conditional
      ? { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch: '*' as const } : {}) }
      : {};
    return bucket.port.put(key, body, { ...options, ...atomic });
  });
}

/**
 * GetObject and HeadObject: conditions, ranges or `partNumber`, `response-*` overrides, streamed with backpressure.
 * `stored` is the object holding the version to read (default: the key itself).
 */
export async function getObject(
  ctx: RequestContext,
  bucket: ServedBucket,
  head: boolean,
  stored?: string,
): Promise<void> {
  const key = stored ?? assertClientKey(ctx.target.key);
  const { port } = bucket;
  const rangeHeader = header(ctx.req.headers, 'range');
  const part = requestedPart(ctx.target.query);
  if (part !== undefined && rangeHeader) {
    throw s3Error('InvalidRequest', 400, 'Cannot specify both Range header and partNumber query parameter');
  }
  let result: GetResult | undefined;
  let info = head || rangeHeader || part ? await port.head(key, { signal: ctx.signal }) : undefined;
  let range: { start: number; end: number; count?: number } | undefined;
  if (info)
    range =
      part !== undefined
        ? partRange(info, part)
        : rangeHeader
          ? parseRange(rangeHeader, info.size)
          : undefined;
  if (!head) {
    try {
      result = await port.get(key, {
        signal: ctx.signal,
        ...(range
          ? { range: { start: range.start, end: range.end }, ...(info ? { ifMatch: info.etag } : {}) }
          : {}),
      });
    } catch (err) {
      // replaced between head and get: the client retries and gets a consistent answer
      if (BucketkitError.is(err, 'PreconditionFailed') && range) {
        throw s3Error('ServiceUnavailable', 503, 'the object changed during the read; retry', { key });
      }
      throw err;
    }
    info = result;
  }
  const object = info!;
  try {
    const headers = { ...objectHeaders(object), ...(await objectExtraHeaders(ctx, bucket, object, !range)) };
    if (checkConditions(ctx.req.headers, visibleEtag(object), object.lastModified) === 'not-modified') {
      await result?.body.cancel().catch(() => {});
      ctx.res.writeHead(304, { etag: headers.etag!, 'last-modified': headers['last-modified']! });
      ctx.res.end();
      return;
    }
    for (const name of OVERRIDES) {
      const value = ctx.target.query.get(`response-${name}`);
      if (value !== undefined) headers[name] = value;
    }
    const status = range ? 206 : 200;
    const length = range ? range.end - range.start + 1 : object.size;
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
    if (range?.count !== undefined) headers['x-amz-mp-parts-count'] = String(range.count);
    if (head) {
      ctx.res.writeHead(status, { ...headers, 'content-length': length });
      ctx.res.end();
      return;
    }
    // a small body is read whole before the head goes out: no stream to set up, one write, and a
    // failed read still gets an S3 error answer
    if (length <= WHOLE_BODY) {
      const bytes = await result!.bytes();
      ctx.res.writeHead(status, { ...headers, 'content-length': bytes.byteLength });
      ctx.res.end(bytes);
      return;
    }
    ctx.res.writeHead(status, { ...headers, 'content-length': length });
  } catch (err) {
    await result?.body.cancel().catch(() => {});
    throw err;
  }
  await pump(result!.body, ctx.res);
}

/** Bodies up to this size are sent with one write instead of streamed. */
const WHOLE_BODY = 256 * 1024;

/**
 * Copies a body to the response with backpressure (waits for 'drain'), reading the web stream
 * directly rather than through a node stream adapter. A client that goes away cancels the body, which
 * closes the file (or socket) behind it.
 */
async function pump(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  let gone = false;
  let wake: (() => void) | undefined;
  const onGone = () => {
    gone = true;
    wake?.();
  };
  res.once('close', onGone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!res.write(value) && !gone) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        res.off('drain', wake!);
        wake = undefined;
      }
    }
    if (!gone) res.end();
  } catch (err) {
    res.destroy(err instanceof Error ? err : undefined);
  } finally {
    res.off('close', onGone);
    if (gone) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** PutObject: the body streams from the socket into the port. */
export async function putObject(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const result = await storeObject(ctx, bucket);
  send(ctx.res, 200, { etag: quoted(result.etag), ...versionHeader(result), ...ctx.auth.checksums() });
  notify(ctx, bucket, 'ObjectCreated:Put', { key: result.key, size: result.size, etag: result.etag });
}

/** PutObject's write without its answer (shared with browser uploads): the request's body under its key. */
export async function storeObject(
  ctx: RequestContext,
  bucket: ServedBucket,
): Promise<PutResult & { versionId?: string; key: string }> {
  const key = assertClientKey(ctx.target.key);
  const conditions = writeConditions(ctx);
  const contentType = header(ctx.req.headers, 'content-type');
  const metadata = { ...(await putMetadata(ctx, bucket)), ...(await requestLock(ctx, bucket)) };
  const result = await conditionalPut(
    bucket,
    key,
    objectBody(ctx),
    { metadata, signal: ctx.signal, ...(contentType ? { contentType } : {}) },
    conditions,
  );
  await keepLateChecksum(bucket.base, metadata, result.etag, ctx.auth.checksums(), ctx.signal);
  return { ...result, key };
}

/** DeleteObject: idempotent, 204 whether or not the key existed. */
export async function deleteObject(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  await bucket.exclusive(key, () => bucket.port.delete(key, { signal: ctx.signal }));
  send(ctx.res, 204);
  notify(ctx, bucket, 'ObjectRemoved:Delete', { key });
}

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
