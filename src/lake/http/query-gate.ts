/**
 * A bound on the queries a lake server runs at once. Each query can hold segments, rows and DuckDB work in
 * memory; without a bound, a client firing hundreds at once makes the process hold all of them. Past
 * `maxConcurrent` a query waits its turn, and past `maxQueued` waiting ones it is answered 429 at once, as
 * Loki answers "too many outstanding requests".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LakeRoute } from './server.js';

/** How many queries run at once and how many may wait. */
export interface QueryGateOptions {
  /** Queries run at once (default 8). */
  maxConcurrent?: number;
  /** Queries that may wait for a turn; more are answered 429 (default 100). */
  maxQueued?: number;
}

/** Wraps routes so they share one bound. */
export type QueryGate = (routes: readonly LakeRoute[]) => LakeRoute[];

/**
 * A gate that routes pass through to share one bound on queries running and waiting.
 *
 * @example
 * ```ts
 * const gate = queryGate({ maxConcurrent: 8, maxQueued: 100 });
 * const server = createLakeServer([...gate(lokiRoutes(lake, { org: 'acme', port })), ...receivers]);
 * ```
 */
export function queryGate(options: QueryGateOptions = {}): QueryGate {
  const maxConcurrent = Math.max(1, options.maxConcurrent ?? 8);
  const maxQueued = Math.max(0, options.maxQueued ?? 100);
  let running = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  const gated =
    (handler: LakeRoute['handler']) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (running >= maxConcurrent) {
        if (waiting.length >= maxQueued) {
          req.resume();
          const text = 'too many outstanding requests; retry later';
          res.writeHead(429, {
            'content-type': 'text/plain; charset=utf-8',
            'content-length': Buffer.byteLength(text),
            'retry-after': '1',
          });
          res.end(text);
          return;
        }
        // a turn is handed over by release(): running stays counted for it
        await new Promise<void>((turn) => waiting.push(turn));
      } else running++;
      try {
        await handler(req, res);
      } finally {
        release();
      }
    };

  return (routes) => routes.map((route) => ({ ...route, handler: gated(route.handler) }));
}
