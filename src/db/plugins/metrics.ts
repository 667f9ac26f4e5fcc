/**
 * The metrics plugin: calls, errors (by error code) and a latency histogram for every method of every
 * resource, read as numbers (`snapshot()`) or in the Prometheus text format (`prometheus()`), e.g. for a
 * `/metrics` endpoint. Counted in this process, in memory; nothing is written to the bucket.
 */
import { BucketkitError } from '../../errors.js';
import type { Database } from '../database.js';
import type { MiddlewareMethod } from '../hooks.js';
import type { Plugin } from '../plugin.js';
import { exposition, type Family, type Sample } from './prometheus.js';

/** Every method the plugin times (the resource methods middleware can wrap). */
const METHODS: readonly MiddlewareMethod[] = [
  'insert',
  'get',
  'update',
  'replace',
  'upsert',
  'delete',
  'query',
  'count',
  'exists',
  'setContent',
  'getContent',
];

/** Default histogram bounds, in seconds: 1 ms to 10 s. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MetricsOptions {
  /** Upper bounds of the latency histogram, in seconds, ascending (default 1 ms … 10 s). */
  buckets?: readonly number[];
  /** The prefix of every metric name (default `bucketkit_db`). */
  prefix?: string;
}

/** What one method of one resource did since setup (or the last `reset()`). */
export interface OperationMetrics {
  resource: string;
  method: MiddlewareMethod;
  calls: number;
  /** Failed calls by `BucketkitError` code (`Error` for anything else). */
  errors: Record<string, number>;
  /** Total time in calls, in seconds. */
  seconds: number;
  /** Calls that took at most `buckets[i]` seconds (cumulative, as Prometheus counts them). */
  buckets: number[];
}

export interface MetricsPlugin extends Plugin {
  /** Every resource and method called so far, sorted by resource then method. */
  snapshot(): OperationMetrics[];
  /** The same numbers in the Prometheus text format (version 0.0.4). */
  prometheus(): string;
  /** Starts counting from zero. */
  reset(): void;
}

/**
 * Creates the metrics plugin.
 *
 * @example
 * ```ts
 * const stats = metrics();
 * const db = await new Database({ connectionString: 'file://./data', plugins: [stats] }).connect();
 * http.createServer((req, res) => res.end(stats.prometheus())).listen(9464);
 * ```
 */
export function metrics(options: MetricsOptions = {}): MetricsPlugin {
  const bounds = [...(options.buckets ?? DEFAULT_LATENCY_BUCKETS)];
  if (bounds.some((b, i) => !(b > 0) || (i > 0 && b <= bounds[i - 1]!))) {
    throw new TypeError('metrics buckets must be positive numbers in ascending order');
  }
  const prefix = options.prefix ?? 'bucketkit_db';
  const byKey = new Map<string, OperationMetrics>();
  const removers: (() => void)[] = [];

  const observe = (resource: string, method: MiddlewareMethod, seconds: number, error: unknown) => {
    const key = `${resource}\u0000${method}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { resource, method, calls: 0, errors: {}, seconds: 0, buckets: bounds.map(() => 0) };
      byKey.set(key, entry);
    }
    entry.calls++;
    entry.seconds += seconds;
    for (let i = bounds.length - 1; i >= 0 && seconds <= bounds[i]!; i--) entry.buckets[i]!++;
    if (error !== undefined) {
      const code = BucketkitError.is(error) ? error.code : 'Error';
      entry.errors[code] = (entry.errors[code] ?? 0) + 1;
    }
  };

  const snapshot = () =>
    [...byKey.values()]
      .map((entry) => ({ ...entry, errors: { ...entry.errors }, buckets: [...entry.buckets] }))
      .sort((a, b) =>
        a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : a.method < b.method ? -1 : 1,
      );

  return {
    name: 'metrics',
    setup(db: Database) {
      for (const method of METHODS) {
        removers.push(
          db.useMiddleware(method, async (ctx, next) => {
            const started = performance.now();
            let failure: unknown;
            try {
              return await next();
            } catch (err) {
              failure = err ?? 'Error';
              throw err;
            } finally {
              observe(ctx.resource, method, (performance.now() - started) / 1000, failure);
            }
          }),
        );
      }
    },
    teardown() {
      for (const remove of removers.splice(0)) remove();
    },
    snapshot,
    prometheus: () => exposition(families(prefix, bounds, snapshot())),
    reset: () => byKey.clear(),
  };
}

function families(prefix: string, bounds: readonly number[], entries: readonly OperationMetrics[]): Family[] {
  const calls: Sample[] = [];
  const errors: Sample[] = [];
  const latency: Sample[] = [];
  for (const entry of entries) {
    const labels = { resource: entry.resource, method: entry.method };
    calls.push({ name: `${prefix}_operations_total`, labels, value: entry.calls });
    for (const [code, count] of Object.entries(entry.errors).sort()) {
      errors.push({ name: `${prefix}_errors_total`, labels: { ...labels, code }, value: count });
    }
    const histogram = `${prefix}_operation_duration_seconds`;
    bounds.forEach((bound, i) => {
      latency.push({
        name: `${histogram}_bucket`,
        labels: { ...labels, le: String(bound) },
        value: entry.buckets[i]!,
      });
    });
    latency.push({ name: `${histogram}_bucket`, labels: { ...labels, le: '+Inf' }, value: entry.calls });
    latency.push({ name: `${histogram}_sum`, labels, value: entry.seconds });
    latency.push({ name: `${histogram}_count`, labels, value: entry.calls });
  }
  return [
    {
      name: `${prefix}_operations_total`,
      help: 'Calls of a resource method.',
      type: 'counter',
      samples: calls,
    },
    {
      name: `${prefix}_errors_total`,
      help: 'Calls that failed, by error code.',
      type: 'counter',
      samples: errors,
    },
    {
      name: `${prefix}_operation_duration_seconds`,
      help: 'Time spent in a resource method, in seconds.',
      type: 'histogram',
      samples: latency,
    },
  ];
}
