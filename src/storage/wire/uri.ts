/**
 * RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` is `%XX`.
 *
 * @example
 * ```ts
 * uriEscape("it's a/b"); // 'it%27s%20a%2Fb'
 * ```
 */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * An object key as a URL path: each segment escaped, `/` kept (how the SDK sends S3 keys).
 *
 * @example
 * ```ts
 * escapeKey('logs/2026 11.txt'); // 'logs/2026%2011.txt'
 * ```
 */
export function escapeKey(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}

/**
 * A connection string safe to print: the secret (everything between the access key's `:` and the last
 * `@` of the authority, which may itself hold `@`) becomes `***`.
 *
 * @example
 * ```ts
 * redactUrl('http://KEY:se@cret@127.0.0.1:9000/b'); // 'http://KEY:***@127.0.0.1:9000/b'
 * ```
 */
export function redactUrl(url: string): string {
  const text = String(url);
  const start = text.indexOf('//');
  const at = text.lastIndexOf('@');
  if (start === -1 || at < start) return text;
  const colon = text.indexOf(':', start + 2);
  if (colon === -1 || colon > at) return text;
  return `${text.slice(0, colon)}:***${text.slice(at)}`;
}
