/**
 * A Loki-compatible query API over a lake, so Grafana's Loki data source can use it: `query_range`,
 * `query`, `labels`, `label/{name}/values`, `series` under `/loki/api/v1/`, answering JSON as Loki does
 * (`{ status: 'success', data }`; `streams`/`matrix`/`vector` results with `data.stats`), and Loki's plain-text
 * 400 for a bad query. The org is `X-Scope-OrgID` (Loki's tenant header) or the configured default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { Lake } from '../lake.js';
import { evaluateLogQL, type LogQLResult, parseLogQL } from '../logql/index.js';
import { readBody } from './body.js';
import { labelNames, labelValues, seriesOf } from './loki-labels.js';
import { defaultStep, limitAndDirection, parseLokiStep, parseLokiTime, timeRangeOf } from './loki-params.js';
import { clientMessage, type LakeRoute, labelNameInPath, sendJson } from './server.js';

export interface LokiApiOptions {
  /** The org queried when a request has no `X-Scope-OrgID` header. */
  org: string;
  /** The port the lake is stored in (label lookups read its day indexes). */
  port: StoragePort;
  /**
   * The largest `limit` a log query may ask for (default 5000, Loki's `max_entries_limit_per_query`); a
   * larger one is a 400, so one request cannot make the server hold millions of lines.
   */
  maxEntriesLimit?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * The Loki API's routes, to mount on `createLakeServer`.
 *
 * @example
 * ```ts
 * const server = createLakeServer([...lokiRoutes(lake, { org: 'acme', port })]);
 * await server.listen(3100); // Grafana: a Loki data source at http://host:3100
 * ```
 */
export function lokiRoutes(lake: Lake, options: LokiApiOptions): LakeRoute[] {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntriesLimit ?? 5000;
  const limitOf = (params: URLSearchParams) => {
    const picked = limitAndDirection(params);
    if (picked.limit > maxEntries)
      throw bkError(
        'InvalidArgument',
        `max entries limit per query exceeded, limit > max_entries_limit_per_query (${picked.limit} > ${maxEntries})`,
      );
    return picked;
  };
  const wrap =
    (answer: (params: URLSearchParams, org: string) => Promise<unknown>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      try {
        const params = await paramsOf(req);
        const tenant = req.headers['x-scope-orgid'];
        const org = typeof tenant === 'string' && tenant !== '' ? tenant : options.org;
        sendJson(res, 200, { status: 'success', data: await answer(params, org) });
      } catch (err) {
        const bad = BucketkitError.is(err, 'InvalidArgument');
        const status = bad && typeof err.details.status === 'number' ? err.details.status : bad ? 400 : 500;
        const message = clientMessage(err);
        if (res.headersSent) res.end();
        else {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(message);
        }
      }
    };
  const methods = ['GET', 'POST'];
  return [
    {
      path: '/loki/api/v1/query_range',
      methods,
      handler: wrap(async (params, org) => {
        const { start, end } = timeRangeOf(params, now());
        const { limit, direction } = limitOf(params);
        if (params.get('interval'))
          throw bkError('InvalidArgument', 'the interval parameter is not supported');
        const step = params.get('step') ? parseLokiStep(params.get('step')!) : defaultStep(start, end);
        const query = queryOf(params);
        const startedAt = performance.now();
        const result = await evaluateLogQL(lake, { org, query, start, end, step, limit, direction });
        return lokiData(result, performance.now() - startedAt);
      }),
    },
    {
      path: '/loki/api/v1/query',
      methods,
      handler: wrap(async (params, org) => {
        const at = parseLokiTime(params.get('time'), now(), 'time');
        const { limit, direction } = limitOf(params);
        const expr = parseLogQL(queryOf(params));
        if (expr.kind === 'log')
          throw bkError(
            'InvalidArgument',
            'log queries are not supported as an instant query type, please change your query to a range query type',
          );
        const startedAt = performance.now();
        const result = await evaluateLogQL(lake, { org, query: expr, start: at, end: at, limit, direction });
        return lokiData(result, performance.now() - startedAt);
      }),
    },
    {
      path: '/loki/api/v1/labels',
      methods,
      handler: wrap((params, org) =>
        labelNames(lake, options.port, org, timeRangeOf(params, now()), params.get('query')),
      ),
    },
    {
      path: /^\/loki\/api\/v1\/label\/[^/]+\/values$/,
      methods,
      handler: async (req, res) => {
        await wrap((params, org) => {
          const name = labelNameInPath((req.url ?? '').split('?')[0]!.split('/')[5]!);
          return labelValues(lake, options.port, org, timeRangeOf(params, now()), name, params.get('query'));
        })(req, res);
      },
    },
    {
      path: '/loki/api/v1/series',
      methods,
      handler: wrap((params, org) => {
        const selectors = [...params.getAll('match[]'), ...params.getAll('match')];
        if (selectors.length === 0)
          throw bkError('InvalidArgument', 'at least one match[] argument must be provided');
        return seriesOf(lake, options.port, org, timeRangeOf(params, now()), selectors);
      }),
    },
  ];
}

function queryOf(params: URLSearchParams): string {
  const query = params.get('query');
  if (!query) throw bkError('InvalidArgument', 'query parameter is required');
  return query;
}

/** Query string parameters, plus a form-encoded POST body (as Loki accepts). */
async function paramsOf(req: IncomingMessage): Promise<URLSearchParams> {
  const params = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  if (req.method === 'POST') {
    const type = String(req.headers['content-type'] ?? '');
    const body = await readBody(req, 1024 * 1024, 'send a shorter query');
    if (type.startsWith('application/x-www-form-urlencoded'))
      for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
  }
  return params;
}

/** Loki's float formatting of sample values (no exponent). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  return text.includes('e') ? value.toFixed(20).replace(/\.?0+$/, '') : text;
}

function lokiData(result: LogQLResult, execMs: number) {
  const s = result.stats;
  const stats = {
    summary: {
      execTime: execMs / 1000,
      totalBytesProcessed: s.bytesRead,
      totalLinesProcessed: s.rowsScanned,
      bytesProcessedPerSecond: execMs > 0 ? Math.round((s.bytesRead * 1000) / execMs) : 0,
      linesProcessedPerSecond: execMs > 0 ? Math.round((s.rowsScanned * 1000) / execMs) : 0,
    },
    lake: s,
  };
  if (result.type === 'streams') {
    return {
      resultType: 'streams',
      result: result.streams.map((stream) => ({
        stream: stream.labels,
        values: stream.entries.map(([ns, line]) => [ns.toString(), line]),
      })),
      stats,
    };
  }
  if (result.type === 'vector') {
    return {
      resultType: 'vector',
      result: result.series.map((series) => {
        const [ms, value] = series.samples[0]!;
        return { metric: series.labels, value: [ms / 1000, formatValue(value)] };
      }),
      stats,
    };
  }
  return {
    resultType: 'matrix',
    result: result.series.map((series) => ({
      metric: series.labels,
      values: series.samples.map(([ms, value]) => [ms / 1000, formatValue(value)]),
    })),
    stats,
  };
}
