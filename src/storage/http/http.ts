import { bkError, throwIfAborted } from '../../errors.js';
import type {
  Abortable,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from '../contract/port.js';
import { assertValidKey } from '../contract/validate.js';
import { errorFromBody, fromS3Error } from '../wire/errors.js';
import { checkGetArgs, infoFromHeaders, toGetResult } from '../wire/get-answer.js';
import { parseListPage } from '../wire/list-page-xml.js';
import { type ListPage, listPaged, type PageRequest } from '../wire/list-pages.js';
import { EMPTY_SHA256, type LeanCredentials } from '../wire/sigv4-canonical.js';
import { WebSigner } from '../wire/sigv4-web.js';
import { escapeKey } from '../wire/uri.js';

export interface HttpStorageOptions {
  /**
   * The bucket's URL, path-style (`https://s3.example.com/bucket`) or virtual-hosted
   * (`https://bucket.s3.example.com`); keys are appended to it.
   */
  url: string;
  /** Headers sent with every request (e.g. an `Authorization` a proxy in front of the bucket wants). */
  headers?: Record<string, string>;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** `v2` (default) or `v1` listings, for servers whose V2 paging is broken. */
  listApi?: 'v1' | 'v2';
  /** For logs and errors (default `http:<url>`). */
  name?: string;
  /**
   * Signs every request with SigV4 (Web Crypto, so in browsers too) for buckets that are not public.
   * In a page, prefer short-lived credentials (a session token from STS or your backend).
   */
  credentials?: LeanCredentials;
  /** The region signatures name (default `us-east-1`). */
  region?: string;
}

const MAX_ATTEMPTS = 3;
/** Errors of a connection that closed under a request, which an idempotent request may be sent again after. */
const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/**
 * A read-only port over plain HTTP(S) GETs of an S3-compatible bucket: anonymous (a public bucket, a
 * bucketkit gateway with `allowAnonymous`, a CDN in front of either) or SigV4-signed with
 * `credentials`. It needs nothing but `fetch` and Web Crypto, so it works in browsers (the server must allow the page's origin: CORS, with
 * `ETag`, `Content-Range` and any `x-amz-meta-*` headers exposed). `get` (with ranges and `ifMatch`),
 * `head` and `list` work as on the s3 port; every write throws `Unsupported`.
 *
 * @example
 * ```ts
 * const port = httpStorage({ url: 'https://data.example.com/public-bucket' });
 * const text = await (await port.get('reports/2026.json')).text();
 * for await (const entry of port.list({ prefix: 'reports/' })) console.log(entry);
 * ```
 */
export function httpStorage(options: HttpStorageOptions): StoragePort {
  return new HttpStorage(options);
}

class HttpStorage implements StoragePort {
  readonly name: string;
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly listApi: 'v1' | 'v2';
  private readonly signer: WebSigner | undefined;

  constructor(options: HttpStorageOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (cause) {
      throw bkError('InvalidUrl', `"${options.url}" is not a URL; give the bucket's http(s) URL`, { cause });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw bkError('InvalidUrl', `httpStorage needs an http(s) URL, got "${options.url}"`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.name = options.name ?? `http:${base.href}`;
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function')
      throw bkError('Unsupported', 'httpStorage needs fetch (Node 18+, browsers)');
    this.fetch = fetchFn.bind(globalThis);
    this.headers = { ...options.headers };
    this.listApi = options.listApi ?? 'v2';
    this.signer = options.credentials
      ? new WebSigner(options.credentials, options.region ?? 'us-east-1')
      : undefined;
  }

  async capabilities(): Promise<StorageCapabilities> {
    return {
      conditionalWrites: false,
      multipart: false,
      presign: false,
      notes: ['read-only: writes throw Unsupported'],
    };
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    checkGetArgs(key, options.range);
    const headers: Record<string, string> = { ...this.headers };
    const range = options.range;
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    const res = await this.send('GET', this.objectUrl(key), headers, options.signal, key, 'GetObject');
    const contentRange = res.headers.get('content-range');
    if (res.status === 206 && contentRange === null) {
      // which bytes came back is unknowable: slicing the answer as if it were the whole object would be wrong
      await res.body?.cancel().catch(() => {});
      throw bkError(
        'Unsupported',
        `a ranged read of "${key}" came back without its Content-Range header; in a browser the server's CORS ` +
          'must expose it (Access-Control-Expose-Headers: Content-Range, or *)',
        { details: { key } },
      );
    }
    const length = res.headers.get('content-length');
    const body = res.body;
    return toGetResult(key, range, {
      info: infoFromHeaders(key, res.headers.keys(), (name) => res.headers.get(name) ?? undefined),
      contentRange: contentRange ?? undefined,
      contentLength: length === null ? undefined : Number(length),
      stream: () => body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
      bytes: async () => new Uint8Array(await res.arrayBuffer()),
    });
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    const res = await this.send('HEAD', this.objectUrl(key), this.headers, options.signal, key, 'HeadObject');
    const info = infoFromHeaders(key, res.headers.keys(), (name) => res.headers.get(name) ?? undefined);
    return { ...info, size: Number(res.headers.get('content-length') ?? 0) };
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    const api = this.listApi;
    const fetchPage = async (request: PageRequest): Promise<ListPage> => {
      const url = new URL(this.base);
      const query = url.searchParams;
      if (api === 'v2') query.set('list-type', '2');
      query.set('max-keys', String(request.maxKeys));
      if (request.prefix) query.set('prefix', request.prefix);
      if (request.delimiter) query.set('delimiter', request.delimiter);
      if (request.marker) query.set(api === 'v2' ? 'start-after' : 'marker', request.marker);
      if (request.token) query.set('continuation-token', request.token);
      const res = await this.send('GET', url, this.headers, options.signal, undefined, 'ListObjects');
      return parseListPage(await res.text());
    };
    return listPaged(options, api, fetchPage, (err) => {
      throw err;
    });
  }

  async put(key: string): Promise<PutResult> {
    throw this.readOnly('put', key);
  }

  async delete(key: string): Promise<void> {
    throw this.readOnly('delete', key);
  }

  async deleteMany(): Promise<DeleteManyResult> {
    throw this.readOnly('deleteMany');
  }

  async copy(_source: string, destination: string): Promise<PutResult> {
    throw this.readOnly('copy', destination);
  }

  private readOnly(operation: string, key?: string) {
    return bkError(
      'Unsupported',
      `${this.name} is read-only (${operation}); write through an s3 port or a gateway`,
      {
        details: key === undefined ? {} : { key },
      },
    );
  }

  private objectUrl(key: string): URL {
    // fetch resolves `.` and `..` segments (escaped or not) before sending: such a key would read another
    if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw bkError(
        'Unsupported',
        `httpStorage cannot address "${key}": fetch resolves its "." or ".." path segments; use the s3 port`,
        { details: { key } },
      );
    }
    return new URL(escapeKey(key), this.base);
  }

  /** One request; an answer that is not 2xx becomes the bucketkit error S3's code or status maps to. */
  private async send(
    method: 'GET' | 'HEAD',
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    key: string | undefined,
    operation: string,
  ): Promise<Response> {
    throwIfAborted(signal);
    let sent = headers;
    if (this.signer) {
      const signed: Record<string, string> = { ...headers, host: url.host };
      const query = await this.signer.sign({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: signed,
        payloadHash: EMPTY_SHA256,
      });
      // the query goes out exactly as signed; fetch sets Host itself (a page may not)
      url.search = query ? `?${query}` : '';
      const { host: _host, ...rest } = signed;
      sent = rest;
    }
    let res: Response | undefined;
    for (let attempt = 1; res === undefined; attempt++) {
      try {
        // no-store: a port must see what is stored now, and a browser's heuristic cache would otherwise
        // answer a later request for the URL (even one without credentials) with an earlier response
        res = await this.fetch(url, {
          method,
          headers: sent,
          cache: 'no-store',
          ...(signal ? { signal } : {}),
        });
      } catch (cause) {
        throwIfAborted(signal);
        // fetch says only "fetch failed" (Node: the reason is in its cause) or "Failed to fetch" (browsers, CORS)
        const reason = (cause as { cause?: { code?: unknown } })?.cause?.code;
        // a kept-alive socket the server closed as it was reused: GET and HEAD are safe to send again
        if (typeof reason === 'string' && SOCKET_CLOSED.has(reason) && attempt < MAX_ATTEMPTS) continue;
        throw bkError(
          'Unavailable',
          `${operation} ${url.origin}${url.pathname} failed: cannot reach the server (${typeof reason === 'string' ? reason : String(cause)}); check that it is running, the URL's host and port, and (in a browser) that it allows this page's origin (CORS)`,
          { cause, details: { ...(key === undefined ? {} : { key }), retryable: true } },
        );
      }
    }
    if (res.ok) return res;
    const text = method === 'HEAD' ? '' : await res.text().catch(() => '');
    throw fromS3Error(errorFromBody(res.status, text), {
      bucket: this.base.href,
      operation,
      ...(key === undefined ? {} : { key }),
    });
  }
}
