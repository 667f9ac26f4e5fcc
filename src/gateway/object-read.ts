/** GetObject and HeadObject: conditions, ranges or `partNumber`, `response-*` overrides, the body streamed out. */
import type { ServerResponse } from 'node:http';
import { BucketkitError } from '../errors.js';
import type { GetResult, ObjectInfo, StoragePort } from '../storage/index.js';
import { assertClientKey, type RequestContext, type ServedBucket } from './context.js';
import {
  checkConditions,
  header,
  objectHeaders,
  parseRange,
  rangeAsked,
  unsatisfiable,
  visibleEtag,
} from './http.js';
import { objectExtraHeaders, partRange, requestedPart } from './meta/index.js';
import { s3Error } from './s3-errors.js';

const OVERRIDES = [
  'content-type',
  'content-language',
  'expires',
  'cache-control',
  'content-disposition',
  'content-encoding',
];

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
  let info: ObjectInfo | undefined;
  let range: { start: number; end: number; count?: number } | undefined;
  const asked = rangeHeader ? rangeAsked(rangeHeader) : undefined;
  if (!head && part === undefined && asked && 'start' in asked && Number.isSafeInteger(asked.start)) {
    // a range from a known start is one GET: the port cuts it at the object's end
    ({ result, range } = await rangedGet(port, key, asked, rangeHeader, ctx.signal));
    info = result;
  } else {
    // HEAD, partNumber and suffix ranges need the object's size (or parts) before the GET
    info = head || part !== undefined || asked ? await port.head(key, { signal: ctx.signal }) : undefined;
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

/**
 * GET of `Range: bytes=start-[end]` in one port read. An end before the start asks for the whole
 * object (as S3 answers it), unless the start is past the object's end.
 */
async function rangedGet(
  port: StoragePort,
  key: string,
  asked: { start: number; end?: number },
  rangeHeader: string,
  signal: AbortSignal,
): Promise<{ result: GetResult; range?: { start: number; end: number } }> {
  const backwards = asked.end !== undefined && asked.end < asked.start;
  let result: GetResult;
  try {
    result = await port.get(key, { signal, ...(backwards ? {} : { range: asked }) });
  } catch (err) {
    // the port's own error names the stored object and its stored size: neither is the client's business
    if (BucketkitError.is(err, 'InvalidRange')) throw unsatisfiable(rangeHeader);
    throw err;
  }
  if (!backwards) {
    const end = Math.min(asked.end ?? result.size - 1, result.size - 1);
    return { result, range: result.range ?? { start: asked.start, end } };
  }
  if (asked.start >= result.size) {
    await result.body.cancel().catch(() => {});
    throw unsatisfiable(rangeHeader, result.size);
  }
  return { result };
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
