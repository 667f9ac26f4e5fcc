import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { bkError, throwIfAborted } from '../../../errors.js';
import { errorFromBody, LeanS3Error } from '../../wire/errors.js';
import { EMPTY_SHA256, escapeKey, type LeanCredentials, LeanSigner, sha256Hex } from './sign.js';

/** Where and how the lean path talks to S3: resolved once from the adapter's options. */
export interface LeanConfig {
  bucket: string;
  region: string;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  forcePathStyle: boolean;
  credentials: LeanCredentials;
  maxSockets: number;
}

export interface LeanRequest {
  method: 'GET' | 'HEAD' | 'PUT';
  /** Omitted for bucket-level calls (LIST). */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal | undefined;
}

const MAX_ATTEMPTS = 3;
const ERROR_BODY_LIMIT = 64 * 1024;
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * S3 over node:http(s) with a keep-alive pool and SigV4 header signing: one signed request, retried
 * like the SDK's standard strategy (3 attempts, exponential backoff with full jitter) on network
 * errors, 5xx, 429 and throttling codes. Error answers are parsed and thrown as `LeanS3Error`.
 *
 * @example
 * ```ts
 * const http = new LeanHttp(config);
 * const res = await http.send({ method: 'HEAD', key: 'a.txt' });
 * ```
 */
export class LeanHttp {
  private readonly agent: HttpAgent;
  private readonly signer: LeanSigner;
  private readonly secure: boolean;
  /** The Host header, with the port when it is not the scheme's default. */
  private readonly host: string;
  private readonly connectTo: { host: string; port?: number };
  private readonly basePath: string;

  constructor(readonly config: LeanConfig) {
    const url = new URL(config.endpoint);
    this.secure = url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: config.maxSockets };
    this.agent = this.secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.signer = new LeanSigner(config.credentials, config.region);
    const base = url.pathname.replace(/\/+$/, '');
    const name = config.forcePathStyle ? url.hostname : `${config.bucket}.${url.hostname}`;
    this.host = url.port ? `${name}:${url.port}` : name;
    this.connectTo = {
      host: name.startsWith('[') ? name.slice(1, -1) : name,
      ...(url.port ? { port: Number(url.port) } : {}),
    };
    this.basePath = config.forcePathStyle ? `${base}/${escapeKey(config.bucket)}` : base;
  }

  /** Sends the request; resolves with a 2xx response whose body the caller must consume. */
  async send(request: LeanRequest): Promise<IncomingMessage> {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(request.signal);
      try {
        const res = await this.once(request);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return res;
        throw await errorOf(res, request.method === 'HEAD');
      } catch (err) {
        throwIfAborted(request.signal);
        const throttled = isThrottling(err);
        if (attempt >= MAX_ATTEMPTS || !(throttled || isRetryable(err))) throw err;
        const base = throttled ? 500 : 100;
        await sleep(Math.floor(Math.random() * Math.min(20_000, base * 2 ** attempt)), request.signal);
      }
    }
  }

  private once(request: LeanRequest): Promise<IncomingMessage> {
    const body = request.body;
    const headers: Record<string, string> = { host: this.host, ...request.headers };
    if (body) headers['content-length'] = String(body.byteLength);
    const path =
      request.key === undefined ? this.basePath || '/' : `${this.basePath}/${escapeKey(request.key)}`;
    const payloadHash = body ? sha256Hex(body) : EMPTY_SHA256;
    const query = this.signer.sign({
      method: request.method,
      path,
      ...(request.query ? { query: request.query } : {}),
      headers,
      payloadHash,
    });
    const send = this.secure ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send({
        agent: this.agent,
        ...this.connectTo,
        method: request.method,
        path: query ? `${path}?${query}` : path,
        headers,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/**
 * The `LeanS3Error` for an error answer: S3's `<Error><Code>` and `<Message>` when the body has them,
 * otherwise named by status the way the SDK names body-less errors (`NotFound` for 404).
 *
 * @example
 * ```ts
 * throw await errorOf(res, false);
 * ```
 */
export async function errorOf(res: IncomingMessage, head: boolean): Promise<LeanS3Error> {
  const status = res.statusCode;
  const text = head ? '' : await readText(res, ERROR_BODY_LIMIT).catch(() => '');
  if (head) res.resume();
  return errorFromBody(status, text);
}

/** Reads a response body as UTF-8 text, refusing more than `limit` bytes. */
export function readText(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        res.destroy();
        reject(bkError('Corrupt', `the S3 server sent an answer larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(networkError('the S3 server closed the connection mid-answer')));
  });
}

function networkError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e instanceof LeanS3Error && (THROTTLING.has(e.name) || e.$metadata.httpStatusCode === 429);
}

function isRetryable(err: unknown): boolean {
  if (err instanceof LeanS3Error) {
    const status = err.$metadata.httpStatusCode ?? 0;
    return status >= 500 || TRANSIENT.has(err.name);
  }
  const code = (err as { code?: string } | undefined)?.code;
  return code !== undefined && NETWORK_ERRORS.has(code);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(bkError('Aborted', 'the operation was aborted by its AbortSignal', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
