/**
 * PromQL over rolled-up tiers, judged by the real Prometheus on the raw samples: a long range reads the
 * 60 s tier once rollups have filled it (and the 10 s tier before), `*_over_time` over whole buckets are
 * exact from the rows' statistics, and `quantile_over_time` from the merged sketches is within their 1 %.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeServer,
  type ListeningLakeServer,
  prometheusRoutes,
  remoteWriteRoute,
} from '../../../src/lake/http/index.js';
import { rollupMetrics } from '../../../src/lake/metrics/index.js';
import { queryPromQL } from '../../../src/lake/promql/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { requireDebian } from '../../support/debian.js';
import { type JudgeSeries, judgeSeries, T0, toOpenMetrics, toRemoteWrite } from './judge-data.js';
import { apiGet, type RealPrometheus, startPrometheus } from './real-prometheus.js';
import { expectSameAnswer } from './same-answer.js';

const MIN = 60_000;
const s = (ms: number) => String(ms / 1000);
const LONG = { start: s(T0 - 60 * MIN), end: s(T0 + 120 * MIN), step: '600' };

let dir: string;
let port: StoragePort;
let series: JudgeSeries[];
let prometheus: RealPrometheus;
let lake: ListeningLakeServer;

beforeAll(async () => {
  requireDebian('prometheus');
  series = judgeSeries();
  prometheus = await startPrometheus({ openMetrics: toOpenMetrics(series) });
  dir = await mkdtemp(join(tmpdir(), 'lake-tiers-'));
  port = fileStorage(join(dir, 'bucket'));
  lake = await createLakeServer([
    remoteWriteRoute(port, { org: 'acme' }),
    ...prometheusRoutes(port, { org: 'acme' }),
  ]).listen();
  for (const body of toRemoteWrite(series, 30 * MIN)) {
    const res = await fetch(`${lake.url}/api/v1/write`, { method: 'POST', body: Buffer.from(body) });
    expect(res.status).toBe(204);
  }
}, 180_000);

afterAll(async () => {
  await lake?.close();
  await prometheus?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const OVER_TIME = ['count', 'sum', 'min', 'max', 'avg'].map((f) => `${f}_over_time(temperature[10m])`);

describe('tiers', () => {
  it('a long range reads the 10 s tier while no rollup has filled the 60 s one', async () => {
    const query = 'sum by (job) (rate(http_requests_total[5m]))';
    const r = await queryPromQL(port, {
      org: 'acme',
      query,
      startMs: T0 - 60 * MIN,
      endMs: T0 + 120 * MIN,
      stepMs: 60_000,
    });
    expect(r.frequencyMs).toBe(10_000);
    const params = { query, start: LONG.start, end: LONG.end, step: '60' };
    const theirs = await apiGet(prometheus.url, '/api/v1/query_range', params);
    expectSameAnswer(theirs, await apiGet(lake.url, '/api/v1/query_range', params), query);
  });

  it('after a rollup, *_over_time over whole minutes of the 60 s tier equal Prometheus on the raw samples', async () => {
    const rollup = await rollupMetrics(port, { org: 'acme', dateint: 20260105 });
    expect(rollup.segment?.frequencyMs).toBe(60_000);
    for (const query of OVER_TIME) {
      const r = await queryPromQL(port, {
        org: 'acme',
        query,
        startMs: Number(LONG.start) * 1000,
        endMs: Number(LONG.end) * 1000,
        stepMs: 600_000,
      });
      expect(r.frequencyMs, query).toBe(60_000);
      const params = { query, ...LONG };
      const theirs = await apiGet(prometheus.url, '/api/v1/query_range', params);
      expect((theirs.body.data as { result: unknown[] }).result.length).toBe(3);
      expectSameAnswer(theirs, await apiGet(lake.url, '/api/v1/query_range', params), query);
    }
  });

  it('quantile_over_time on the 60 s tier comes from the merged sketches, within 1 % of the samples at its rank', async () => {
    const at = T0 + 60 * MIN;
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const query = `quantile_over_time(${q}, temperature[1h])`;
      const ours = await queryPromQL(port, { org: 'acme', query, startMs: at, frequencyMs: 60_000 });
      const theirs = await apiGet(prometheus.url, '/api/v1/query', { query, time: s(at) });
      const their = (theirs.body.data as { result: { metric: { room: string }; value: [number, string] }[] })
        .result;
      expect(ours.resultType).toBe('vector');
      if (ours.resultType !== 'vector') return;
      expect(ours.result.length).toBe(their.length);
      for (const row of ours.result) {
        const values = series
          .find((x) => x.name === 'temperature' && x.labels.room === row.metric.room)!
          .samples.filter(([t]) => t >= at - 60 * MIN && t <= at)
          .map(([, v]) => v)
          .sort((a, b) => a - b);
        const rank = q * (values.length - 1);
        const low = values[Math.floor(rank)]!;
        const high = values[Math.ceil(rank)]!;
        const prom = Number(their.find((x) => x.metric.room === row.metric.room)!.value[1]);
        expect(prom).toBeGreaterThanOrEqual(low);
        expect(prom).toBeLessThanOrEqual(high);
        const mine = row.value[1];
        expect(mine, `${query} ${row.metric.room}`).toBeGreaterThanOrEqual(low * 0.99);
        expect(mine, `${query} ${row.metric.room}`).toBeLessThanOrEqual(high * 1.01);
      }
    }
  });
});
