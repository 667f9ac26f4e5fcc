import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupMetrics } from '../../../src/lake/metrics/index.js';
import { queryPromQL } from '../../../src/lake/promql/index.js';
import { T0 } from './judge-data.js';
import { type JudgeFixture, startJudge } from './judge-fixture.js';
import { apiGet } from './real-prometheus.js';
import { expectSameAnswer } from './same-answer.js';

const MIN = 60_000;
const s = (ms: number) => String(ms / 1000);
const LONG = { start: s(T0 - 60 * MIN), end: s(T0 + 120 * MIN), step: '600' };

let judge: JudgeFixture;

beforeAll(async () => {
  judge = await startJudge('tiers', 30 * MIN);
}, 180_000);

afterAll(async () => {
  await judge?.stop();
});

const OVER_TIME = ['count', 'sum', 'min', 'max', 'avg'].map((f) => `${f}_over_time(temperature[10m])`);

describe('tiers', () => {
  it('a long range reads the 10 s tier while no rollup has filled the 60 s one', async () => {
    const query = 'sum by (job) (rate(http_requests_total[5m]))';
    const r = await queryPromQL(judge.port, {
      org: 'acme',
      query,
      startMs: T0 - 60 * MIN,
      endMs: T0 + 120 * MIN,
      stepMs: 60_000,
    });
    expect(r.frequencyMs).toBe(10_000);
    const params = { query, start: LONG.start, end: LONG.end, step: '60' };
    const theirs = await apiGet(judge.prometheus.url, '/api/v1/query_range', params);
    expectSameAnswer(theirs, await apiGet(judge.lake.url, '/api/v1/query_range', params), query);
  });

  it('after a rollup, *_over_time over whole minutes of the 60 s tier equal Prometheus on the raw samples', async () => {
    const rollup = await rollupMetrics(judge.port, { org: 'acme', dateint: 20260105 });
    expect(rollup.segment?.frequencyMs).toBe(60_000);
    for (const query of OVER_TIME) {
      const r = await queryPromQL(judge.port, {
        org: 'acme',
        query,
        startMs: Number(LONG.start) * 1000,
        endMs: Number(LONG.end) * 1000,
        stepMs: 600_000,
      });
      expect(r.frequencyMs, query).toBe(60_000);
      const params = { query, ...LONG };
      const theirs = await apiGet(judge.prometheus.url, '/api/v1/query_range', params);
      expect((theirs.body.data as { result: unknown[] }).result.length).toBe(3);
      expectSameAnswer(theirs, await apiGet(judge.lake.url, '/api/v1/query_range', params), query);
    }
  });

  it('quantile_over_time on the 60 s tier comes from the merged sketches, within 1 % of the samples at its rank', async () => {
    const at = T0 + 60 * MIN;
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const query = `quantile_over_time(${q}, temperature[1h])`;
      const ours = await queryPromQL(judge.port, { org: 'acme', query, startMs: at, frequencyMs: 60_000 });
      const theirs = await apiGet(judge.prometheus.url, '/api/v1/query', { query, time: s(at) });
      const their = (theirs.body.data as { result: { metric: { room: string }; value: [number, string] }[] })
        .result;
      expect(ours.resultType).toBe('vector');
      if (ours.resultType !== 'vector') return;
      expect(ours.result.length).toBe(their.length);
      for (const row of ours.result) {
        const values = judge.series
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
