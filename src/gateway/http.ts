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
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const unsatisfiable = () =>
    s3Error('InvalidRange', 416, 'The requested range is not satisfiable', { size, range: value });
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Number(match[2]);
  if (start >= size) throw unsatisfiable();
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
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
