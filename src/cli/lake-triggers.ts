/**
 * `bucketkit lake watch` and `bucketkit lake serve`: the lake's long-running triggers. Both run until
 * SIGINT or SIGTERM, then stop cleanly (a watcher hands back its claims).
 */

import { createLakeEventHandler, createLakeServer, type LakeRoute } from '../lake/http/index.js';
import type { Lake } from '../lake/index.js';
import { err, out } from './output.js';

/** An AbortSignal that fires on SIGINT or SIGTERM (the handlers are removed when it fires). */
function untilSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/**
 * Watches `prefix` and prints one line per object ingested.
 *
 * @example
 * ```ts
 * await lakeWatch(lake, 'logs-raw/', { intervalMs: 10_000, once: false });
 * ```
 */
export async function lakeWatch(lake: Lake, prefix: string, options: { intervalMs: number; once: boolean }) {
  const signal = untilSignal();
  const summary = await lake.watch(prefix, {
    intervalMs: options.intervalMs,
    once: options.once,
    signal,
    onIngest: ({ key, result }) =>
      out(
        `${key}: ${result.alreadyIngested ? 'already ingested' : `${result.rows} rows, ${result.segments.length} segments`}`,
      ),
    onError: ({ key, error }) =>
      err(`bucketkit: ${key ?? prefix}: ${error instanceof Error ? error.message : String(error)}`),
  });
  err(
    `${summary.passes} passes, ${summary.ingested} objects ingested (${summary.rows} rows), ${summary.failed} failed`,
  );
  return 0;
}

/**
 * Serves the event endpoint at `/events` (and whatever `extraRoutes` add) until SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * await lakeServe(lake, { port: 8080, host: '127.0.0.1', buckets: ['raw'] });
 * ```
 */
export async function lakeServe(
  lake: Lake,
  options: {
    port: number;
    host: string;
    buckets?: string[];
    extraRoutes?: LakeRoute[];
    requestTimeoutMs?: number;
  },
) {
  const handler = createLakeEventHandler(lake, {
    ...(options.buckets?.length ? { buckets: options.buckets } : {}),
    onEvent: (o) => {
      const where = `${o.event.bucket}/${o.event.key}`;
      if (o.status === 'ingested')
        out(`${where}: ${o.alreadyIngested ? 'already ingested' : `${o.rows} rows`}`);
      else if (o.status === 'failed') err(`bucketkit: ${where}: ${o.message}`);
    },
  });
  const signal = untilSignal();
  const server = await createLakeServer([
    { path: '/events', methods: ['POST', 'OPTIONS'], handler },
    ...(options.extraRoutes ?? []),
  ]).listen(options.port, options.host, {
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  err(`lake event endpoint: ${server.url}/events`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  return 0;
}
