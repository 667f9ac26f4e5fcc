import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromQL, typeOf } from '../../../src/lake/promql/index.js';
import { T0 } from './judge-data.js';
import { type JudgeFixture, startJudge } from './judge-fixture.js';
import { expectSameAnswer } from './same-answer.js';

const MIN = 60_000;
const s = (ms: number) => String(ms / 1000);
const AT = s(T0 + 40 * MIN);
const INSTANTS = [T0 + 30 * MIN + 7_000, T0 + 59 * MIN + 59_000, T0 + 63 * MIN, T0 + 12 * MIN + 50_000];
const RANGES = [
  { start: T0 + 5 * MIN, end: T0 + 60 * MIN, step: 60_000 },
  { start: T0 + 20 * MIN + 3_000, end: T0 + 40 * MIN, step: 15_000 },
  { start: T0 + 2 * MIN, end: T0 + 64 * MIN, step: 37_000 },
];

const QUERIES = [
  `max_over_time(rate(http_requests_total[5m])[30m:1m] @ ${AT})`,
  `avg_over_time(temperature[10m:] @ ${AT})`,
  `sum_over_time(http_requests_total{job="web"}[20m:90s] @ ${s(T0 + 25 * MIN + 13_000)})`,
  `min_over_time(sum by (job) (rate(http_requests_total[5m]))[20m:2m] @ ${AT} offset 5m)`,
  `min_over_time(sum by (job) (rate(http_requests_total[5m]))[20m:2m] offset 5m @ ${AT})`,
  'max_over_time(deriv(temperature[5m:1m])[20m:5m] @ end())',
  'last_over_time(temperature[7m:1m] @ start())',
  'count_over_time((temperature > 20)[10m:15s] @ start() offset -3m)',
  `rate(http_requests_total{code="200"}[5m:30s] @ ${AT}) - rate(http_requests_total{code="200"}[5m:30s])`,
  `temperature{room="r1"}[5m:2m] @ ${AT}`,
  // `@` below another subquery, or inside one with its own `@`, and selectors with `@` inside subqueries
  `max_over_time(rate(http_requests_total[5m] @ ${AT})[20m:5m])`,
  `sum_over_time((temperature @ ${s(T0 + 17 * MIN)})[20m:5m] offset 3m)`,
  `max_over_time(avg_over_time(temperature[5m:1m] @ ${AT})[20m:5m] offset 10m)`,
  'max_over_time(last_over_time(temperature[5m:1m] @ start())[20m:5m])',
  'max_over_time(avg_over_time(temperature[5m:1m] @ end() offset 2m)[20m:5m] @ start())',
  `stddev_over_time((avg_over_time(http_requests_total[5m:1m] @ ${AT}) - avg_over_time(http_requests_total[5m:1m]))[30m:3m])`,
  `max_over_time(avg_over_time(temperature[5m:1m] @ ${AT})[20m:5m])`,
  `max_over_time(avg_over_time(temperature[5m:1m])[20m:5m] @ ${AT})`,
  `max_over_time((temperature @ ${AT})[20m:5m] @ ${AT})`,
];

let fixture: JudgeFixture;

beforeAll(async () => {
  fixture = await startJudge('judge-at', 10 * MIN);
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

async function judge(query: string) {
  let series = 0;
  for (const time of INSTANTS) {
    const [theirs, ours] = await fixture.both('/api/v1/query', { query, time: s(time) });
    expect(theirs.body.status, `${query}: ${theirs.body.error}`).toBe('success');
    expectSameAnswer(theirs, ours, `${query} at ${time - T0} ms`);
    series += (theirs.body.data as { result: unknown[] }).result.length;
  }
  expect(series, `${query}: some instant has an answer`).toBeGreaterThan(0);
  if (typeOf(parsePromQL(query)) === 'matrix') return; // range vectors: instant only
  for (const { start, end, step } of RANGES) {
    const params = { query, start: s(start), end: s(end), step: s(step) };
    const [theirs, ours] = await fixture.both('/api/v1/query_range', params);
    expect(theirs.body.status, `${query}: ${theirs.body.error}`).toBe('success');
    expectSameAnswer(theirs, ours, `${query} range ${start - T0}..${end - T0}/${step}`);
  }
}

describe('@ on a subquery, as Prometheus 2.42 answers it', () => {
  it.each(QUERIES)('%s', judge, 120_000);
});
