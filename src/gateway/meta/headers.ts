import type { IncomingHttpHeaders } from 'node:http';
import type { Metadata } from '../../storage/index.js';
import { HIDDEN_PREFIX, header } from '../http.js';

/** The representation headers S3 stores with an object and returns on GET and HEAD. */
export const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

const metaName = (name: string) => `${HIDDEN_PREFIX}${name}`;

/**
 * The stored representation headers of a write request, as hidden metadata entries. Values are
 * %-encoded (metadata holds printable ASCII only; a header may carry Latin-1). `aws-chunked`, the
 * upload's own framing, is dropped from Content-Encoding as S3 drops it.
 *
 * @example
 * ```ts
 * storedHeadersFrom({ 'cache-control': 'max-age=60' }); // { 'bucketkit.cache-control': 'max-age%3D60' }
 * ```
 */
export function storedHeadersFrom(headers: IncomingHttpHeaders): Metadata {
  const stored: Metadata = {};
  for (const name of STORED_HEADERS) {
    let value = header(headers, name);
    if (name === 'content-encoding') {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v && v.toLowerCase() !== 'aws-chunked')
        .join(',');
    }
    if (value) stored[metaName(name)] = encodeURIComponent(value);
  }
  return stored;
}

/**
 * The representation headers kept in an object's metadata, ready to send.
 *
 * @example
 * ```ts
 * storedHeadersOf(info.metadata); // { 'cache-control': 'max-age=60' }
 * ```
 */
export function storedHeadersOf(metadata: Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = metadata[metaName(name)];
    if (value === undefined) continue;
    try {
      headers[name] = decodeURIComponent(value);
    } catch {
      // written by something else than the gateway: shown as stored
      headers[name] = value;
    }
  }
  return headers;
}

/** Metadata without the stored representation headers (what a REPLACE copy starts from). */
export function withoutStoredHeaders(metadata: Metadata): Metadata {
  const rest: Metadata = { ...metadata };
  for (const name of STORED_HEADERS) delete rest[metaName(name)];
  return rest;
}
