import { s3Error } from './s3-errors.js';

/** What a request addresses: a bucket and key (either may be absent) and the decoded query. */
export interface Target {
  bucket: string | undefined;
  key: string | undefined;
  /** The key as it appears in the path, still %-encoded (what a SigV2 signature covers). */
  rawKey: string | undefined;
  query: Map<string, string>;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw s3Error('InvalidURI', 400, 'the request URI holds a malformed %-escape');
  }
}

/**
 * Parses a query string the way S3 does: `%`-decoding only (`+` stays a plus), keys without `=` map to ''.
 *
 * @example
 * ```ts
 * parseQuery('uploads&prefix=a%2Fb').get('prefix'); // 'a/b'
 * ```
 */
export function parseQuery(raw: string): Map<string, string> {
  const query = new Map<string, string>();
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!query.has(name)) query.set(name, eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return query;
}

/**
 * Finds bucket and key in a request: virtual-hosted style when the Host is `<bucket>.<suffix>` for a
 * configured suffix, path style (`/<bucket>/<key>`) otherwise.
 *
 * @example
 * ```ts
 * resolveTarget('/photos/a%20b.jpg?versionId=null', 'localhost:9000', []); // bucket photos, key 'a b.jpg'
 * ```
 */
export function resolveTarget(
  url: string,
  host: string | undefined,
  hostSuffixes: readonly string[],
): Target {
  if (!url.startsWith('/')) throw s3Error('InvalidURI', 400, 'the request target must be a path');
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const query = parseQuery(mark < 0 ? '' : url.slice(mark + 1));
  const hostname = hostSuffixes.length === 0 ? '' : (host ?? '').replace(/:\d+$/, '').toLowerCase();
  const suffix = hostSuffixes.find((s) => hostname.endsWith(`.${s.toLowerCase()}`));
  if (suffix) {
    const bucket = hostname.slice(0, -suffix.length - 1);
    const rawKey = rawPath.length > 1 ? rawPath.slice(1) : undefined;
    return { bucket, key: rawKey === undefined ? undefined : decode(rawKey), rawKey, query };
  }
  const slash = rawPath.indexOf('/', 1);
  const bucketPart = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const bucket = bucketPart ? decode(bucketPart) : undefined;
  const keyPart = slash < 0 ? '' : rawPath.slice(slash + 1);
  return {
    bucket,
    key: keyPart ? decode(keyPart) : undefined,
    rawKey: keyPart || undefined,
    query,
  };
}
