/**
 * The lake's HTTP server (node only): one small router that the lake's endpoints mount on — the storage
 * event endpoint (`createLakeEventHandler`) and the Loki API. Routes are matched on the path alone; a path
 * no route claims is a JSON 404, a known path with another method a JSON 405, and a handler that throws
 * answers a JSON 500 instead of taking the process down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BucketkitError, bkError } from '../../errors.js';

/** A request handler as node's `http` calls it; it may return a promise. */
export type LakeRequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** One endpoint: `path` is an exact path (`/events`) or a pattern tested against the path. */
export interface LakeRoute {
  path: string | RegExp;
  /** Allowed methods (default: any). */
  methods?: readonly string[];
  handler: LakeRequestHandler;
}

/** A lake server listening on a port. */
export interface ListeningLakeServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  server: Server;
  /** Stops accepting connections and waits for running requests. */
  close(): Promise<void>;
}

/** How long a client may take to send a request. */
export interface LakeListenOptions {
  /**
   * Headers and body must have arrived this many ms after the request began, or the connection is
   * answered 408 and closed (default 60 s; 0: never). Without it a client that trickles a body holds its
   * receiver slot (and memory) for as long as it likes.
   */
  requestTimeoutMs?: number;
}

/** A lake server before it listens. */
export interface LakeServer {
  /** The whole router as one handler, to mount in a server of your own. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  listen(port?: number, host?: string, options?: LakeListenOptions): Promise<ListeningLakeServer>;
}

/** node's server timeouts for a request timeout: headers within it too, checked a few times per timeout. */
function timeoutsOf(requestTimeout: number) {
  if (requestTimeout <= 0) return { requestTimeout: 0, headersTimeout: 30_000 };
  return {
    requestTimeout,
    headersTimeout: Math.min(30_000, requestTimeout),
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 4))),
  };
}

/**
 * Writes a JSON answer (the lake endpoints' one response shape) unless one was already sent.
 *
 * @example
 * ```ts
 * sendJson(res, 400, { error: { code: 'InvalidArgument', message: 'not an event' } });
 * ```
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * A label name from a path segment (`/label/{name}/values`), percent-decoded; a malformed escape is a 400,
 * not a 500.
 *
 * @example
 * ```ts
 * labelNameInPath('service%5Fname'); // 'service_name'
 * ```
 */
export function labelNameInPath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw bkError('InvalidArgument', `invalid label name ${JSON.stringify(segment)}: a malformed %-escape`);
  }
}

/**
 * What a client is told about an error: our own errors' messages (they say what to do), without the code
 * prefix; anything else (node's, a dependency's) may carry paths and internals and is not the client's.
 *
 * @example
 * ```ts
 * clientMessage(new Error('EACCES: /var/lib/lake/x')); // 'the lake server failed on this request'
 * ```
 */
export function clientMessage(err: unknown): string {
  if (BucketkitError.is(err)) return err.message.replace(/^[A-Za-z]+: /, '');
  return 'the lake server failed on this request';
}

/** The JSON error body every lake endpoint answers with. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  return mark < 0 ? url : url.slice(0, mark);
}

const matches = (route: LakeRoute, path: string) =>
  typeof route.path === 'string' ? route.path === path : route.path.test(path);

/**
 * A server for the lake's endpoints.
 *
 * @example
 * ```ts
 * const server = createLakeServer([{ path: '/events', methods: ['POST'], handler: createLakeEventHandler(lake) }]);
 * const { url, close } = await server.listen(8080);
 * ```
 */
export function createLakeServer(routes: readonly LakeRoute[]): LakeServer {
  function handler(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    const candidates = routes.filter((r) => matches(r, path));
    const method = req.method ?? 'GET';
    const route = candidates.find((r) => !r.methods || r.methods.includes(method));
    if (!route) {
      req.resume();
      if (candidates.length === 0) {
        sendJson(res, 404, errorBody('NotFound', `no endpoint at ${path}`));
      } else {
        const allowed = [...new Set(candidates.flatMap((r) => r.methods ?? []))];
        sendJson(res, 405, errorBody('MethodNotAllowed', `${path} takes ${allowed.join(', ')}`), {
          allow: allowed.join(', '),
        });
      }
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch((err: unknown) => {
        req.resume();
        sendJson(res, 500, errorBody(BucketkitError.is(err) ? err.code : 'Internal', clientMessage(err)));
      });
  }

  return {
    handler,
    listen(port = 0, host = '127.0.0.1', options: LakeListenOptions = {}) {
      const server = createServer(
        { ...timeoutsOf(options.requestTimeoutMs ?? 60_000), keepAliveTimeout: 5_000 },
        handler,
      );
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({
            url: `http://${shown}:${address.port}`,
            server,
            close: () =>
              new Promise<void>((done) => {
                server.close(() => done());
                server.closeIdleConnections();
              }),
          });
        });
      });
    },
  };
}
