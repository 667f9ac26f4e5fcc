import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, send } from './http.js';
import { s3Error } from './s3-errors.js';

/**
 * Which browser origins may call the gateway (one rule for all buckets).
 *
 * @example
 * ```ts
 * createGateway({ ...options, cors: { origins: ['https://app.example'], maxAgeSeconds: 600 } });
 * ```
 */
export interface CorsOptions {
  /** Allowed origins, or `'*'` for any. */
  origins: readonly string[] | '*';
  /** Allowed methods (default GET, HEAD, PUT, POST, DELETE). */
  methods?: readonly string[];
  /** Request headers a preflight may ask for (default any). */
  allowedHeaders?: readonly string[] | '*';
  /** Response headers the browser may read (default ETag and the x-amz ids). */
  exposeHeaders?: readonly string[];
  maxAgeSeconds?: number;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
const DEFAULT_EXPOSE = ['ETag', 'x-amz-request-id', 'x-amz-version-id', 'Content-Range', 'Content-Length'];

function allowedOrigin(cors: CorsOptions, origin: string): boolean {
  return cors.origins === '*' || cors.origins.includes(origin);
}

/**
 * Adds `Access-Control-Allow-Origin` and `-Expose-Headers` to an ordinary response when the request's
 * Origin is allowed.
 *
 * @example
 * ```ts
 * corsHeaders(options.cors, req, res);
 * ```
 */
export function corsHeaders(cors: CorsOptions | undefined, req: IncomingMessage, res: ServerResponse): void {
  const origin = header(req.headers, 'origin');
  if (!cors || !origin || !allowedOrigin(cors, origin)) return;
  res.setHeader('access-control-allow-origin', cors.origins === '*' ? '*' : origin);
  res.setHeader('access-control-expose-headers', (cors.exposeHeaders ?? DEFAULT_EXPOSE).join(', '));
  if (cors.origins !== '*') res.setHeader('vary', 'Origin');
}

/**
 * Answers a CORS preflight (OPTIONS): 200 with the allowed method and headers, or 403 as S3 does.
 *
 * @example
 * ```ts
 * if (req.method === 'OPTIONS') return preflight(options.cors, req, res);
 * ```
 */
export function preflight(cors: CorsOptions | undefined, req: IncomingMessage, res: ServerResponse): void {
  const origin = header(req.headers, 'origin');
  const method = header(req.headers, 'access-control-request-method').toUpperCase();
  if (!origin || !method) {
    throw s3Error('BadRequest', 400, 'Insufficient information. Origin request header needed.');
  }
  const methods = cors?.methods ?? DEFAULT_METHODS;
  const requested = header(req.headers, 'access-control-request-headers')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const allowedHeaders = cors?.allowedHeaders ?? '*';
  const headersOk =
    allowedHeaders === '*' || requested.every((h) => allowedHeaders.some((a) => a.toLowerCase() === h));
  if (!cors || !allowedOrigin(cors, origin) || !methods.includes(method) || !headersOk) {
    throw s3Error('AccessForbidden', 403, 'CORSResponse: This CORS request is not allowed.');
  }
  send(res, 200, {
    'access-control-allow-origin': cors.origins === '*' ? '*' : origin,
    'access-control-allow-methods': methods.join(', '),
    ...(requested.length ? { 'access-control-allow-headers': requested.join(', ') } : {}),
    'access-control-expose-headers': (cors.exposeHeaders ?? DEFAULT_EXPOSE).join(', '),
    'access-control-max-age': cors.maxAgeSeconds ?? 3000,
    ...(cors.origins === '*' ? {} : { vary: 'Origin' }),
  });
}
