/**
 * The Prometheus HTTP API over a lake (node only), so Grafana's Prometheus data source and
 * `promtool query` work against it: `/api/v1/query`, `/query_range`, `/series`, `/labels`,
 * `/label/{name}/values`, `/metadata`, answering `{status, data}` and Prometheus's error shape
 * (`errorType` `bad_data` 400, `execution` 422, `timeout` 503, `internal` 500). The org is
 * `X-Scope-OrgID` or the configured default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { readBody } from '../http/body.js';
import { clientMessage, type LakeRoute, labelNameInPath, sendJson } from '../http/server.js';
import { MetricRowCache, pickFrequency } from '../metrics/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { formatSampleValue, matchSelectors, parseApiDuration, parseApiTime } from './api-params.js';
import type { Matcher } from './ast.js';
import { labelsKey } from './labels.js';
import { type PromqlResult, queryPromQL } from './query.js';
import { loadSeries, type Series } from './source.js';

export interface PrometheusApiOptions {
  /** The org queried when a request has no `X-Scope-OrgID` header. */
  org: string;
  /** How far back `/series`, `/labels` and `/metadata` look without `start` (default 24 h). */
  defaultLookbackMs?: number;
  zstd?: ZstdCodec;
  /**
   * Raw-tier rows kept decoded between queries (default 200 000, a few hundred bytes each; 0: none).
   * Segments never change once written, so what is kept is never stale.
   */
  cacheRows?: number;
  /** The clock (tests). */
  now?: () => number;
}

type Answer = (params: URLSearchParams, org: string, path: string) => Promise<unknown>;

/**
 * The Prometheus API's routes, to mount on `createLakeServer`.
 *
 * @example
 * ```ts
 * const server = createLakeServer(prometheusRoutes(port, { org: 'acme' }));
 * await server.listen(9090); // Grafana: a Prometheus data source at http://host:9090
 * ```
 */
export function prometheusRoutes(port: StoragePort, options: PrometheusApiOptions): LakeRoute[] {
  const now = options.now ?? Date.now;
  const back = options.defaultLookbackMs ?? 86_400_000;
  const methods = ['GET', 'POST'];
  const rowsKept = options.cacheRows ?? 200_000;
  const cache = rowsKept > 0 ? new MetricRowCache(rowsKept) : undefined;
  const route = (path: string | RegExp, answer: Answer): LakeRoute => ({
    path,
    methods,
    handler: wrap(options.org, answer),
  });
  const span = (params: URLSearchParams) => {
    const endMs = parseApiTime(params.get('end'), now(), 'end');
    return { startMs: parseApiTime(params.get('start'), endMs - back, 'start'), endMs };
  };
  const seriesOf = async (params: URLSearchParams, org: string, required: boolean): Promise<Series[]> => {
    const { startMs, endMs } = span(params);
    const selectors: Matcher[][] = matchSelectors(params, required);
    const frequencyMs = pickFrequency(endMs - startMs);
    const found = new Map<string, Series>();
    for (const matchers of selectors.length > 0 ? selectors : [[]]) {
      for (const s of await loadSeries(port, {
        org,
        matchers,
        fromMs: startMs,
        toMs: endMs,
        frequencyMs,
        zstd: options.zstd,
        cache,
      }))
        found.set(labelsKey(s.labels), s);
    }
    return [...found.values()];
  };
  return [
    route('/api/v1/query', async (params, org) => {
      const startMs = parseApiTime(params.get('time'), now(), 'time');
      return resultJson(
        await queryPromQL(port, { org, query: queryParam(params), startMs, zstd: options.zstd, cache }),
      );
    }),
    route('/api/v1/query_range', async (params, org) => {
      const startMs = parseApiTime(params.get('start'), Number.NaN, 'start');
      const endMs = parseApiTime(params.get('end'), Number.NaN, 'end');
      const stepMs = parseApiDuration(params.get('step'), 'step');
      const query = queryParam(params);
      return resultJson(
        await queryPromQL(port, { org, query, startMs, endMs, stepMs, zstd: options.zstd, cache }),
      );
    }),
    route('/api/v1/series', async (params, org) => (await seriesOf(params, org, true)).map((s) => s.labels)),
    route('/api/v1/labels', async (params, org) => {
      const names = new Set<string>();
      for (const s of await seriesOf(params, org, false)) for (const n of Object.keys(s.labels)) names.add(n);
      return [...names].sort();
    }),
    route(/^\/api\/v1\/label\/[^/]+\/values$/, async (params, org, path) => {
      const name = labelNameInPath(path.split('/')[4]!);
      const values = new Set<string>();
      for (const s of await seriesOf(params, org, false))
        if (s.labels[name] !== undefined) values.add(s.labels[name]!);
      return [...values].sort();
    }),
    route('/api/v1/metadata', async (params, org) => {
      const metric = params.get('metric');
      if (metric) params.append('match[]', `{__name__=${JSON.stringify(metric)}}`);
      const out: Record<string, { type: string; help: string; unit: string }[]> = {};
      for (const s of await seriesOf(params, org, false)) {
        const name = s.labels.__name__!;
        const type = s.type === 'count' ? 'counter' : s.type;
        const known = out[name] ?? [];
        if (!known.some((m) => m.type === type && m.help === s.help && m.unit === s.unit))
          out[name] = [...known, { type, help: s.help, unit: s.unit }];
      }
      return out;
    }),
  ];
}

function queryParam(params: URLSearchParams): string {
  const query = params.get('query');
  if (query === null || query === '')
    throw new BucketkitError(
      'InvalidArgument',
      'invalid parameter "query": unknown position: parse error: no expression found in input',
      { details: { promql: 'parse' } },
    );
  return query;
}

function wrap(defaultOrg: string, answer: Answer) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://lake');
      const params = url.searchParams;
      if (req.method === 'POST')
        for (const [k, v] of new URLSearchParams(await readBody(req, 1024 * 1024, 'send a shorter query')))
          params.append(k, v);
      const tenant = req.headers['x-scope-orgid'];
      const org = typeof tenant === 'string' && tenant !== '' ? tenant : defaultOrg;
      sendJson(res, 200, { status: 'success', data: await answer(params, org, url.pathname) });
    } catch (err) {
      const [status, errorType] = errorTypeOf(err);
      const message = clientMessage(err);
      sendJson(res, status, { status: 'error', errorType, error: message });
    }
  };
}

function errorTypeOf(err: unknown): [number, string] {
  if (BucketkitError.is(err, 'InvalidArgument')) {
    if (err.details.promql === 'execution') return [422, 'execution'];
    return [err.details.status === 413 ? 413 : 400, 'bad_data'];
  }
  if (BucketkitError.is(err, 'Aborted', 'Timeout')) return [503, 'timeout'];
  return [500, 'internal'];
}

/** A query result as Prometheus's JSON: seconds for times, values as text. */
function resultJson(r: PromqlResult): unknown {
  const point = ([t, v]: [number, number]) => [t / 1000, formatSampleValue(v)];
  switch (r.resultType) {
    case 'scalar':
      return { resultType: 'scalar', result: point(r.result) };
    case 'string':
      return { resultType: 'string', result: [r.result[0] / 1000, r.result[1]] };
    case 'vector':
      return {
        resultType: 'vector',
        result: r.result.map((s) => ({ metric: s.metric, value: point(s.value) })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({ metric: s.metric, values: s.values.map(point) })),
      };
  }
}
