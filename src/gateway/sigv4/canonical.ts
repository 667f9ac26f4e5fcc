/**
 * The SigV4 canonical request, built from the request as received. S3 signs the URI path exactly as
 * sent (no normalization, no second encoding); query names and values are re-encoded with the strict
 * RFC 3986 set and sorted; headers are the signed ones only, values trimmed with inner spaces collapsed.
 */

const HEX = '0123456789ABCDEF';

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Percent-decodes to bytes without ever throwing: a `%` not followed by two hex digits stays a literal
 * `%`, and every other character contributes its UTF-8 bytes.
 */
export function percentDecodeBytes(raw: string): Uint8Array {
  const utf8 = Buffer.from(raw, 'utf8');
  const out = new Uint8Array(utf8.length);
  let n = 0;
  for (let i = 0; i < utf8.length; i++) {
    const byte = utf8[i]!;
    if (byte === 0x25 && i + 2 < utf8.length) {
      const hi = hexValue(utf8[i + 1]!);
      const lo = hexValue(utf8[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/** Percent-decodes to a string (invalid UTF-8 becomes U+FFFD). */
export function percentDecode(raw: string): string {
  return Buffer.from(percentDecodeBytes(raw)).toString('utf8');
}

/** RFC 3986 encoding of bytes: unreserved characters kept, everything else `%XX` upper-case. */
export function uriEncode(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const byte of bytes) {
    if (isUnreserved(byte) || (keepSlash && byte === 0x2f)) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Splits a raw request target into its path and raw query (without `?`). */
export function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return { path: path === '' ? '/' : path, query: q < 0 ? '' : url.slice(q + 1) };
}

/** One query parameter: raw as sent, and decoded. */
export interface QueryParam {
  rawName: string;
  rawValue: string;
  name: string;
  value: string;
}

/** Parses a raw query string; parameters without `=` get an empty value (e.g. `?uploads`). */
export function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    params.push({ rawName, rawValue, name: percentDecode(rawName), value: percentDecode(rawValue) });
  }
  return params;
}

/** The canonical query string, leaving out parameters named `exclude` (the presigned signature). */
export function canonicalQuery(params: readonly QueryParam[], exclude?: string): string {
  const pairs: Array<[string, string]> = [];
  for (const p of params) {
    if (p.name === exclude) continue;
    pairs.push([uriEncode(percentDecodeBytes(p.rawName)), uriEncode(percentDecodeBytes(p.rawValue))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * The canonical URIs to try, lazily: the path as sent (what S3 signs), then, when it differs, the path
 * re-encoded with the strict set, for clients that send one spelling but sign the canonical one.
 */
export function* canonicalUris(path: string): Generator<string> {
  yield path;
  const strict = uriEncode(percentDecodeBytes(path), true);
  if (strict !== path) yield strict;
}

/** One header value in canonical form: joined with `,`, trimmed, runs of whitespace collapsed. */
export function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

/** The canonical headers block: `name:value\n` for each signed header, in the signed order. */
export function canonicalHeaders(
  headers: Record<string, string | string[] | undefined>,
  signed: readonly string[],
): string {
  let out = '';
  for (const name of signed) out += `${name}:${headerValue(headers[name])}\n`;
  return out;
}

/** The parts of a canonical request. */
export interface CanonicalParts {
  method: string;
  uri: string;
  query: string;
  headers: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

/** Joins the parts into the canonical request text. */
export function canonicalRequest(parts: CanonicalParts): string {
  return [
    parts.method,
    parts.uri,
    parts.query,
    parts.headers,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}
