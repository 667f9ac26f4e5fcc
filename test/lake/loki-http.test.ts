/**
 * The Loki API over real HTTP: a lake server on a loopback port, requests as Grafana's Loki data source sends
 * them (GET and form POST, times in ns, seconds or RFC 3339), answers checked against the generated lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLakeServer, type ListeningLakeServer, lokiRoutes } from '../../src/lake/http/index.js';
import { openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { DAY0, type DataLine, dataLines, dataNdjsonGz } from './logql-data.js';

const HOUR = 3_600_000;
const lines: DataLine[] = dataLines(3000, 11);
let dir: string;
let server: ListeningLakeServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loki-http-'));
  const port = fileStorage(join(dir, 'bucket'));
  await port.put('logs-raw/a.json.gz', dataNdjsonGz(lines));
  const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' }, segmentRows: 1000 });
  await lake.ingest('logs-raw/a.json.gz');
  server = await createLakeServer(lokiRoutes(lake, { org: 'acme', port })).listen();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(
  path: string,
  params: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) search.append(k, one);
  return fetch(`${server.url}${path}?${search}`, { headers });
}

async function json(response: Response) {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as { status: string; data: never };
  expect(body.status).toBe('success');
  return body.data as Record<string, unknown> & { resultType: string; result: never[] };
}

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const range = { start: ns(DAY0), end: ns(DAY0 + 6 * HOUR + 1000) };

describe('Loki API', () => {
  it('answers a log query with streams of [ns, line], newest first, whatever the time format', async () => {
    const want = lines.filter((l) => l.service === 'api' && l.message.includes('timeout'));
    expect(want.length).toBeGreaterThan(20);
    const data = await json(
      await get('/loki/api/v1/query_range', {
        query: '{service="api"} |= "timeout"',
        ...range,
        limit: '5000',
      }),
    );
    expect(data.resultType).toBe('streams');
    const result = data.result as { stream: Record<string, string>; values: [string, string][] }[];
    for (const s of result) {
      expect(s.stream.resource_service_name).toBe('api');
      for (const [t, line] of s.values) expect([typeof t, typeof line]).toEqual(['string', 'string']);
    }
    const got = result.flatMap((s) => s.values).sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
    expect(got.map(([t, line]) => [Number(BigInt(t) / 1_000_000n), line])).toEqual(
      want.map((l) => [l.ms, l.message]),
    );
    expect(
      (data.stats as { summary: { totalBytesProcessed: number } }).summary.totalBytesProcessed,
    ).toBeGreaterThan(0);

    const rfc = { start: new Date(DAY0).toISOString(), end: new Date(DAY0 + 6 * HOUR + 1000).toISOString() };
    const secs = { start: String(DAY0 / 1000), end: `${(DAY0 + 6 * HOUR + 1000) / 1000}.0` };
    for (const times of [rfc, secs]) {
      const again = await json(
        await get('/loki/api/v1/query_range', {
          query: '{service="api"} |= "timeout"',
          ...times,
          limit: '5000',
        }),
      );
      expect((again.result as { values: unknown[] }[]).flatMap((s) => s.values)).toHaveLength(want.length);
    }
    const newest = await json(
      await get('/loki/api/v1/query_range', { query: '{service="api"} |= "timeout"', ...range, limit: '3' }),
    );
    const top = (newest.result as { values: [string, string][] }[]).flatMap((s) => s.values.map((v) => v[1]));
    expect(top.sort()).toEqual(
      want
        .slice(-3)
        .map((l) => l.message)
        .sort(),
    );
  });

  it('answers a metric range query with a matrix of [seconds, "value"], for a GET and a form POST', async () => {
    const query = 'sum by (level) (count_over_time({service="api"}[1h]))';
    const params = { query, start: ns(DAY0 + HOUR), end: ns(DAY0 + 6 * HOUR), step: '3600' };
    const data = await json(await get('/loki/api/v1/query_range', params));
    expect(data.resultType).toBe('matrix');
    const result = data.result as { metric: { level: string }; values: [number, string][] }[];
    for (const { metric, values } of result) {
      expect(values).toHaveLength(6);
      for (const [t, v] of values) {
        const ms = t * 1000;
        const n = lines.filter(
          (l) => l.service === 'api' && l.level === metric.level && l.ms >= ms - HOUR && l.ms < ms,
        ).length;
        expect(v).toBe(String(n));
      }
    }
    expect(result.map((r) => r.metric.level).sort()).toEqual([...new Set(lines.map((l) => l.level))].sort());
    const posted = await fetch(`${server.url}/loki/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, step: '1h' }).toString(),
    });
    expect((await json(posted)).result).toEqual(result);
  });

  it('answers an instant metric query with a vector, and refuses an instant log query as Loki does', async () => {
    const at = DAY0 + 6 * HOUR;
    const data = await json(
      await get('/loki/api/v1/query', {
        query: 'topk(1, sum by (service) (rate({level=~".+"}[6h])))',
        time: ns(at),
      }),
    );
    expect(data.resultType).toBe('vector');
    const counts = new Map<string, number>();
    for (const l of lines)
      if (l.ms >= at - 6 * HOUR && l.ms < at) counts.set(l.service, (counts.get(l.service) ?? 0) + 1);
    const [service, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    expect(data.result).toEqual([{ metric: { service }, value: [at / 1000, String(n / 21_600)] }]);

    const refused = await get('/loki/api/v1/query', { query: '{service="api"}', time: ns(at) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe(
      'log queries are not supported as an instant query type, please change your query to a range query type',
    );
  });

  it('answers a bad query with a plain-text 400 naming the position', async () => {
    const response = await get('/loki/api/v1/query_range', {
      query: 'sum(rate({service="api"}[5m])) by level',
      ...range,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toMatch(/^parse error at line 1, col 35: /);
    const badTime = await get('/loki/api/v1/query_range', { query: '{service="api"}', start: 'yesterday' });
    expect(badTime.status).toBe(400);
  });

  it('lists labels, label values (also by alias) and series', async () => {
    const names = (await json(await get('/loki/api/v1/labels', range))) as unknown as string[];
    expect(names).toEqual(expect.arrayContaining(['log_level', 'resource_service_name']));
    expect(names.some((n) => n.startsWith('chq_') || n === 'log_message')).toBe(false);
    const services = [...new Set(lines.map((l) => l.service))].sort();
    expect(await json(await get('/loki/api/v1/label/resource_service_name/values', range))).toEqual(services);
    expect(await json(await get('/loki/api/v1/label/level/values', range))).toEqual(
      [...new Set(lines.map((l) => l.level))].sort(),
    );
    const errorServices = [...new Set(lines.filter((l) => l.level === 'ERROR').map((l) => l.service))].sort();
    expect(
      await json(await get('/loki/api/v1/label/service/values', { ...range, query: '{level="ERROR"}' })),
    ).toEqual(errorServices);
    const series = (await json(
      await get('/loki/api/v1/series', { ...range, 'match[]': '{service="mailer"}' }),
    )) as unknown as Record<string, string>[];
    const levels = [...new Set(lines.filter((l) => l.service === 'mailer').map((l) => l.level))].sort();
    expect(series.map((s) => s.log_level).sort()).toEqual(levels);
    for (const s of series) expect(s.resource_service_name).toBe('mailer');
  });

  it('reads the org from X-Scope-OrgID', async () => {
    const data = await json(
      await get(
        '/loki/api/v1/query_range',
        { query: '{service="api"}', ...range },
        { 'x-scope-orgid': 'other' },
      ),
    );
    expect(data.result).toEqual([]);
  });
});
