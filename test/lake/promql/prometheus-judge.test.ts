/**
 * The lake's PromQL judged by the real Prometheus (Debian's 2.42): the same hour of samples is backfilled
 * into Prometheus with promtool and remote-written into the lake, then every query of judge-queries.ts runs
 * against both HTTP APIs as instant queries at several times and as range queries with several steps.
 * Answers must be equal: same series, same timestamps, values within 1e-9 relative.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromQL, typeOf } from '../../../src/lake/promql/index.js';
import { INTERVAL_MS, SAMPLES, T0 } from './judge-data.js';
import { type JudgeFixture, startJudge } from './judge-fixture.js';
import { JUDGE_QUERIES } from './judge-queries.js';
import { expectSameAnswer } from './same-answer.js';

const MIN = 60_000;
const s = (ms: number) => String(ms / 1000);
const INSTANTS = [T0 + 30 * MIN + 7_000, T0 + 59 * MIN + 59_000, T0 + 63 * MIN, T0 + 34 * MIN + 50_000];
const RANGES = [
  { start: T0 + 5 * MIN, end: T0 + 60 * MIN, step: 60_000 },
  { start: T0 + 20 * MIN + 3_000, end: T0 + 40 * MIN, step: 15_000 },
  { start: T0 + 2 * MIN, end: T0 + 64 * MIN, step: 37_000 },
];

let judge: JudgeFixture;

beforeAll(async () => {
  judge = await startJudge('judge', 10 * MIN);
}, 180_000);

afterAll(async () => {
  await judge?.stop();
});

describe('the lake answers PromQL as Prometheus 2.42 does', () => {
  it('has the data in both (a sanity check of the feeding)', async () => {
    const [theirs, ours] = await judge.both('/api/v1/query', {
      query: 'count_over_time(temperature[2h])',
      time: s(T0 + 90 * MIN),
    });
    expect(theirs.body.status).toBe('success');
    expectSameAnswer(theirs, ours, 'count_over_time');
    const r1 = (theirs.body.data as { result: { metric: { room: string }; value: [number, string] }[] })
      .result;
    expect(r1.find((r) => r.metric.room === 'r1')?.value[1]).toBe(String(SAMPLES));
    expect(INTERVAL_MS).toBe(15_000);
  });

  it.each(JUDGE_QUERIES)(
    '%s',
    async (query) => {
      for (const time of INSTANTS) {
        const [theirs, ours] = await judge.both('/api/v1/query', { query, time: s(time) });
        expectSameAnswer(theirs, ours, `${query} @ ${time - T0} ms`);
      }
      if (typeOf(parsePromQL(query)) === 'matrix') return; // range vectors: instant only
      for (const { start, end, step } of RANGES) {
        const [theirs, ours] = await judge.both('/api/v1/query_range', {
          query,
          start: s(start),
          end: s(end),
          step: s(step),
        });
        expectSameAnswer(theirs, ours, `${query} range ${start - T0}..${end - T0}/${step}`);
      }
    },
    120_000,
  );

  it.each([
    ['/api/v1/series', { 'match[]': 'http_requests_total{job="api"}' }],
    ['/api/v1/series', { 'match[]': '{__name__=~"latency.*",le="+Inf"}' }],
    ['/api/v1/labels', {}],
    ['/api/v1/label/job/values', {}],
    ['/api/v1/label/__name__/values', {}],
    ['/api/v1/label/le/values', { 'match[]': 'latency_seconds_bucket{job="web"}' }],
    ['/api/v1/series', {}],
  ])('%s %j', async (path, params) => {
    const range = { start: s(T0), end: s(T0 + 60 * MIN), ...params };
    const [theirs, ours] = await judge.both(path, range);
    expect(ours.status).toBe(theirs.status);
    expect(ours.body.status).toBe(theirs.body.status);
    expect(ours.body.errorType).toBe(theirs.body.errorType);
    const sorted = (data: unknown) =>
      Array.isArray(data) ? data.map((x) => JSON.stringify(x, Object.keys(x as object).sort())).sort() : data;
    expect(sorted(ours.body.data)).toEqual(sorted(theirs.body.data));
  });

  it('answers promtool query instant and range as Prometheus does', async () => {
    const run = promisify(execFile);
    const promtool = async (...args: string[]) => (await run('/usr/bin/promtool', ['query', ...args])).stdout;
    // values to 10 significant digits: sums may differ in the last bit (the data is fixed, so no flakiness)
    const sortLines = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => line.replace(/-?\d+\.\d+(e[-+]?\d+)?/g, (n) => Number(n).toPrecision(10)))
        .sort();
    const query = 'sum by (job) (rate(http_requests_total[5m]))';
    const at = `--time=${s(T0 + 30 * MIN)}`;
    expect(sortLines(await promtool('instant', at, judge.lake.url, query))).toEqual(
      sortLines(await promtool('instant', at, judge.prometheus.url, query)),
    );
    const range = [`--start=${s(T0 + 10 * MIN)}`, `--end=${s(T0 + 20 * MIN)}`, '--step=1m'];
    const theirs = await promtool('range', ...range, judge.prometheus.url, query);
    expect(sortLines(await promtool('range', ...range, judge.lake.url, query))).toEqual(sortLines(theirs));
    expect(theirs).toContain('job="api"');
  }, 60_000);
});
