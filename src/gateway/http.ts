import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { s3Error } from './s3-errors.js';
import { clientVersionId, lockHeaders, VERSION_META } from './versioning/layout.js';

/** One header's value as a single string ('' when absent). */
export function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** An ETag as S3 writes it in headers and XML: in double quotes. */
export const quoted = (etag: string): string => `"${etag}"`;

const bare = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/** Whether an `If-Match`/`If-None-Match` list (`*` or comma-separated ETags) holds `etag`. */
export function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((item) => item.trim() === '*' || bare(item) === etag);
}

function parseDate(text: string): number | undefined {
  if (!text) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/** What the conditional headers of a read say: go on, 304 Not Modified, or (thrown) 412. */
export type Condition = 'ok' | 'not-modified';

/**
 * Evaluates If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since (RFC 9110 order) for
 * an object with `etag` and `lastModified`. `prefix` is `x-amz-copy-source-` for copy sources, where
 * a "not modified" outcome is a 412 as well.
 *
 * @example
 * ```ts
 * if (checkConditions(req.headers, info.etag, info.lastModified) === 'not-modified') return send304();
 * ```
 */
export function checkConditions(
  headers: IncomingHttpHeaders,
  etag: string,
  lastModified: Date,
  prefix = '',
): Condition {
  const failed = () =>
    s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
  const seconds = Math.floor(lastModified.getTime() / 1000) * 1000;
  const ifMatch = header(headers, `${prefix}if-match`);
  const ifNoneMatch = header(headers, `${prefix}if-none-match`);
  const modifiedSince = parseDate(header(headers, `${prefix}if-modified-since`));
  const unmodifiedSince = parseDate(header(headers, `${prefix}if-unmodified-since`));
  if (ifMatch && !etagListMatches(ifMatch, etag)) throw failed();
  if (!ifMatch && unmodifiedSince !== undefined && seconds > unmodifiedSince) throw failed();
  let notModified = false;
  if (ifNoneMatch) notModified = etagListMatches(ifNoneMatch, etag);
  else if (modifiedSince !== undefined) notModified = seconds <= modifiedSince;
  if (notModified && prefix) throw failed();
  return notModified ? 'not-modified' : 'ok';
}

/** A `Range` header as asked, before the object's size is known: from `start` (to `end`), or the last `suffix` bytes. */
export type RangeAsked = { start: number; end?: number } | { suffix: number };

/**
 * Reads a `Range: bytes=...` header without the object's size: a single range or a suffix range.
 * Headers S3 ignores (other units, several ranges, bad syntax) give undefined: the whole object. An
 * end before the start is kept as sent: the whole object too, unless the start is past the object's
 * end (416, see `parseRange`); so are a suffix of 0 bytes and a start past any size, which no
 * object satisfies (416 once the object is known to exist).
 *
 * @example
 * ```ts
 * rangeAsked('bytes=100-'); // { start: 100 }
 * rangeAsked('bytes=-100'); // { suffix: 100 }
 * ```
 */
export function rangeAsked(value: string): RangeAsked | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') return { suffix: Math.min(Number(match[2]), Number.MAX_SAFE_INTEGER) };
  const start = Number(match[1]);
  if (match[2] === '') return { start };
  const end = Number(match[2]);
  return Number.isSafeInteger(end) ? { start, end } : { start };
}

/** S3's answer to a range that starts past the object's end (or a suffix of 0 bytes, or of an empty object). */
export const unsatisfiable = (range: string, size?: number) =>
  s3Error('InvalidRange', 416, 'The requested range is not satisfiable', {
    range,
    ...(size === undefined ? {} : { size }),
  });

/**
 * Parses a `Range: bytes=...` header against an object size: a single range, suffix ranges included.
 * Headers S3 ignores (other units, several ranges, bad syntax) give undefined: the whole object.
 * A range that starts past the end is `InvalidRange` (416).
 *
 * @example
 * ```ts
 * parseRange('bytes=-100', 1000); // { start: 900, end: 999 }
 * ```
 */
export function parseRange(value: string, size: number): { start: number; end: number } | undefined {
  const asked = rangeAsked(value);
  if (!asked) return undefined;
  if ('suffix' in asked) {
    if (asked.suffix === 0 || size === 0) throw unsatisfiable(value, size);
    return { start: Math.max(0, size - asked.suffix), end: size - 1 };
  }
  if (asked.start >= size) throw unsatisfiable(value, size);
  if (asked.end !== undefined && asked.end < asked.start) return undefined;
  return { start: asked.start, end: Math.min(asked.end ?? size - 1, size - 1) };
}

/**
 * Ends a response with a body (XML or nothing) and headers.
 *
 * @example
 * ```ts
 * send(res, 200, { 'content-type': 'application/xml' }, xml);
 * ```
 */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
  body?: string,
): void {
  const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': bytes?.byteLength ?? 0 });
  res.end(bytes);
}

/** Sends an S3 XML document with status 200 (or `status`). */
export function sendXml(
  res: ServerResponse,
  xml: string,
  status = 200,
  headers: Record<string, string> = {},
): void {
  send(res, status, { 'content-type': 'application/xml', ...headers }, xml);
}

/** User metadata from `x-amz-meta-*` request headers. */
export function metadataFrom(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const key = name.slice('x-amz-meta-'.length);
    if (key.startsWith(HIDDEN_PREFIX)) continue;
    metadata[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

/** Metadata keys the gateway keeps for itself (e.g. the multipart ETag); never shown to clients. */
export const HIDDEN_PREFIX = 'bucketkit.';
export const ETAG_META = `${HIDDEN_PREFIX}etag`;

/** The ETag a client sees: the multipart `md5-of-md5s-N` when the gateway assembled the object. */
export function visibleEtag(info: { etag: string; metadata: Record<string, string> }): string {
  return info.metadata[ETAG_META] ?? info.etag;
}

/** Response headers for an object (ETag, sizes, type, dates, user metadata). */
export function objectHeaders(info: {
  etag: string;
  size: number;
  lastModified: Date;
  contentType?: string;
  metadata: Record<string, string>;
}): Record<string, string> {
  const headers: Record<string, string> = {
    etag: quoted(visibleEtag(info)),
    'last-modified': info.lastModified.toUTCString(),
    'content-type': info.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(info.metadata)) {
    if (!name.startsWith(HIDDEN_PREFIX)) headers[`x-amz-meta-${name}`] = value;
  }
  const version = info.metadata[VERSION_META];
  if (version) headers['x-amz-version-id'] = clientVersionId(version);
  return { ...headers, ...lockHeaders(info.metadata) };
}
