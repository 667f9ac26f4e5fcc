/**
 * The real Prometheus as a client of the lake: it scrapes a target this test runs (1 s interval) and
 * remote-writes to the lake's receiver; the lake's Prometheus API then answers as Prometheus does for the
 * same series — every sample Prometheus stored, kept as the last one of each 10 s bucket, equal series
 * lists and equal instant answers at the last scrape.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeServer,
  type ListeningLakeServer,
  prometheusRoutes,
  remoteWriteRoute,
} from '../../../src/lake/http/index.js';
import { fileStorage } from '../../../src/storage/index.js';
import { requireDebian } from '../../support/debian.js';
import { type ApiAnswer, apiGet, type RealPrometheus, startPrometheus } from './real-prometheus.js';
import { expectSameAnswer } from './same-answer.js';

const SCRAPES = 15;
const STEP = 7;

let dir: string;
let target: Server;
let scrapes = 0;
let prometheus: RealPrometheus;
let lake: ListeningLakeServer;

/** The target: a counter rising by STEP per scrape and a gauge, for SCRAPES scrapes, then 404 (down). */
function exposition(n: number): string {
  return [
    '# TYPE demo_requests_total counter',
    `demo_requests_total{path="/a"} ${n * STEP}`,
    `demo_requests_total{path="/b"} ${n * 2}`,
    '# TYPE demo_temperature gauge',
    `demo_temperature ${20 + (n % 5) / 4}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  requireDebian('prometheus');
  dir = await mkdtemp(join(tmpdir(), 'lake-live-'));
  lake = await createLakeServer([
    remoteWriteRoute(fileStorage(join(dir, 'bucket')), { org: 'acme' }),
    ...prometheusRoutes(fileStorage(join(dir, 'bucket')), { org: 'acme' }),
  ]).listen();
  target = createServer((_req, res) => {
    if (scrapes >= SCRAPES) {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(scrapes));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.address() as AddressInfo).port;
  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: demo',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${targetPort}']`,
      'remote_write:',
      `  - url: ${lake.url}/api/v1/write`,
      '    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }',
      '',
    ].join('\n'),
  });
  // every scrape served and the last one in the lake (Prometheus retries what the lake refuses)
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await apiGet(lake.url, '/api/v1/query', {
      query: 'max_over_time(demo_requests_total{path="/a"}[10m])',
    });
    const result = (answer.body.data as { result: { value: [number, string] }[] } | undefined)?.result;
    if (scrapes >= SCRAPES && result?.[0]?.value[1] === String(SCRAPES * STEP)) break;
    if (Date.now() > deadline)
      throw new Error(
        `the lake did not get every scrape: ${JSON.stringify(answer.body)}\n${prometheus.log().slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await lake?.close();
  await new Promise((r) => target?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

type RangeResult = { metric: Record<string, string>; values: [number, string][] }[];

async function both(path: string, params: Record<string, string>): Promise<[ApiAnswer, ApiAnswer]> {
  return [await apiGet(prometheus.url, path, params), await apiGet(lake.url, path, params)];
}

describe('Prometheus scraping and remote-writing into the lake', () => {
  it('every sample Prometheus stored is in the lake, the last of each 10 s bucket', async () => {
    const time = String(Date.now() / 1000);
    const [theirs, ours] = await both('/api/v1/query', {
      query: '{job="demo",__name__=~"demo_.*"}[10m]',
      time,
    });
    const byBucket = (result: RangeResult) =>
      Object.fromEntries(
        result.map((s) => {
          const last = new Map<number, [number, string]>();
          for (const p of s.values) last.set(Math.floor(p[0] / 10), p);
          return [JSON.stringify(s.metric), [...last.values()]];
        }),
      );
    const theirSeries = (theirs.body.data as { result: RangeResult }).result;
    expect(theirSeries.length).toBe(3);
    expect(theirSeries.every((s) => s.metric.instance !== undefined && s.metric.job === 'demo')).toBe(true);
    expect(byBucket((ours.body.data as { result: RangeResult }).result)).toEqual(byBucket(theirSeries));
  });

  it('lists the same series and labels', async () => {
    const start = String(Date.now() / 1000 - 600);
    for (const [path, params] of [
      ['/api/v1/series', { 'match[]': '{job="demo"}' }],
      ['/api/v1/label/__name__/values', { 'match[]': '{__name__=~"demo_.*"}' }],
      ['/api/v1/label/path/values', {}],
    ] as const) {
      const [theirs, ours] = await both(path, { start, ...params });
      const sorted = (d: unknown) =>
        (d as object[]).map((x) => JSON.stringify(x, Object.keys(x).sort())).sort();
      expect(sorted(ours.body.data), path).toEqual(sorted(theirs.body.data));
    }
  });

  it('answers instant queries at the last scrape as Prometheus does', async () => {
    // at the last scrape itself (after the target went down Prometheus may mark the series stale)
    const raw = await apiGet(prometheus.url, '/api/v1/query', {
      query: 'demo_temperature[10m]',
      time: String(Date.now() / 1000),
    });
    const values = (raw.body.data as { result: RangeResult }).result[0]!.values;
    const at = String(values[values.length - 1]![0]);
    for (const query of [
      'demo_requests_total',
      'sum by (job) (demo_requests_total)',
      'demo_temperature * 2',
      'up == 1',
    ]) {
      const [theirs, ours] = await both('/api/v1/query', { query, time: at });
      expectSameAnswer(theirs, ours, query);
      expect((theirs.body.data as { result: unknown[] }).result.length, query).toBeGreaterThan(0);
    }
  });
});
