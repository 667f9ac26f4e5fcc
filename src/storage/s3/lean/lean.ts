import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { bkError } from '../../../errors.js';
import type {
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  Metadata,
  ObjectInfo,
} from '../../contract/port.js';
import { normalizeEtag } from '../../contract/validate.js';
import { checkGetArgs, infoFromHeaders, toGetResult } from '../../wire/get-answer.js';
import { listPaged } from '../../wire/list-pages.js';
import type { S3StorageOptions } from '../s3.js';
import { type LeanConfig, LeanHttp } from './http.js';
import { fetchLeanPage } from './list.js';
import type { LeanCredentials } from './sign.js';

/**
 * The lean path's settings for these adapter options, or undefined when the SDK must do the work: an
 * injected client, `lean: false`, or credentials that only the SDK's provider chain can find
 * (profiles, SSO, IMDS). Static keys come from the options, else from the AWS environment variables.
 *
 * @example
 * ```ts
 * const config = leanConfig({ bucket: 'b', endpoint: 'http://127.0.0.1:9000', credentials });
 * ```
 */
export function leanConfig(
  options: S3StorageOptions,
  env: Record<string, string | undefined> = process.env,
): LeanConfig | undefined {
  if (options.client || options.lean === false) return undefined;
  const credentials = options.credentials ?? envCredentials(env);
  if (!credentials) return undefined;
  const region = options.region ?? 'us-east-1';
  const endpoint = (options.endpoint ?? `https://s3.${region}.amazonaws.com`).replace(/\/+$/, '');
  const pathStyle = options.forcePathStyle ?? options.endpoint !== undefined;
  return {
    bucket: options.bucket,
    region,
    endpoint,
    // as the SDK: a bucket that is no DNS label (dots over https, capitals, underscores) goes path-style
    forcePathStyle: pathStyle || !virtualHostable(options.bucket, endpoint),
    credentials,
    maxSockets: options.maxSockets ?? 64,
  };
}

function envCredentials(env: Record<string, string | undefined>): LeanCredentials | undefined {
  // the SDK's default chain skips the environment keys when a profile is named
  if (env.AWS_PROFILE) return undefined;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

function virtualHostable(bucket: string, endpoint: string): boolean {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || /\.\.|^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return false;
  return !(endpoint.startsWith('https:') && bucket.includes('.'));
}

/**
 * GetObject, HeadObject, PutObject and ListObjects(V2) on node:http(s), for the s3 adapter's hot
 * paths. Errors are thrown SDK-shaped (`LeanS3Error`) so the adapter maps them with `fromS3Error`
 * exactly as it maps the SDK's.
 *
 * @example
 * ```ts
 * const lean = new LeanS3(leanConfig(options)!);
 * const info = await lean.head('a.txt');
 * ```
 */
export class LeanS3 {
  private readonly http: LeanHttp;

  constructor(config: LeanConfig) {
    this.http = new LeanHttp(config);
  }

  async put(
    key: string,
    bytes: Uint8Array,
    params: { metadata?: Metadata; contentType?: string; ifNoneMatch?: string; ifMatch?: string },
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const headers: Record<string, string> = {};
    if (params.contentType) headers['content-type'] = params.contentType;
    if (params.ifNoneMatch) headers['if-none-match'] = params.ifNoneMatch;
    if (params.ifMatch !== undefined) headers['if-match'] = params.ifMatch;
    for (const [name, value] of Object.entries(params.metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
    const res = await this.http.send({ method: 'PUT', key, headers, body: bytes, signal });
    res.resume();
    return normalizeEtag(header(res.headers, 'etag'));
  }

  async head(key: string, signal: AbortSignal | undefined): Promise<ObjectInfo> {
    const res = await this.http.send({ method: 'HEAD', key, signal });
    res.resume();
    return { ...infoOf(key, res.headers), size: Number(res.headers['content-length'] ?? 0) };
  }

  async get(key: string, options: GetOptions): Promise<GetResult> {
    checkGetArgs(key, options.range);
    const range = options.range;
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    const res = await this.http.send({ method: 'GET', key, headers, signal: options.signal });
    const length = res.headers['content-length'];
    return toGetResult(key, range, {
      info: infoOf(key, res.headers),
      contentRange: header(res.headers, 'content-range'),
      contentLength: length === undefined ? undefined : Number(length),
      stream: () => Readable.toWeb(res) as ReadableStream<Uint8Array>,
      bytes: () => collect(res, length === undefined ? undefined : Number(length), key, options.signal),
    });
  }

  list(
    options: ListOptions,
    api: 'v1' | 'v2',
    fail: (err: unknown, operation: string) => never,
  ): AsyncGenerator<ListEntry> {
    return listPaged(options, api, (request) => fetchLeanPage(this.http, api, request, options.signal), fail);
  }

  close(): void {
    this.http.close();
  }
}

/** ObjectInfo from response headers (see `infoFromHeaders`). */
function infoOf(key: string, headers: IncomingHttpHeaders): Omit<ObjectInfo, 'size'> {
  return infoFromHeaders(key, Object.keys(headers), (name) => header(headers, name));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The whole body in one array; a connection that ends short of Content-Length is an error, not data. */
function collect(
  res: IncomingMessage,
  expected: number | undefined,
  key: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // with a known length, bytes go straight into one buffer: no list of chunks to join at the end
    const whole = expected !== undefined && expected > 0 ? Buffer.allocUnsafe(expected) : undefined;
    let size = 0;
    let ended = false;
    const failed = (why: string, cause?: unknown) => {
      if (signal?.aborted) {
        reject(bkError('Aborted', 'the operation was aborted by its AbortSignal', { cause: signal.reason }));
      } else {
        reject(
          bkError('Backend', `reading "${key}" failed: ${why}`, { cause, details: { key, retryable: true } }),
        );
      }
    };
    res.on('data', (chunk: Buffer) => {
      if (whole && size + chunk.byteLength <= whole.byteLength) whole.set(chunk, size);
      else chunks.push(chunk);
      size += chunk.byteLength;
    });
    res.once('error', (err) => failed(err.message, err));
    res.once('close', () => {
      if (!ended) failed('the connection closed mid-body');
    });
    res.once('end', () => {
      ended = true;
      if (expected !== undefined && size !== expected) {
        failed(`the S3 server sent ${size} of ${expected} bytes`);
        return;
      }
      const joined = whole ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      resolve(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength));
    });
  });
}
