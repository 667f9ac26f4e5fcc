/**
 * Query latency for bench/lake-metrics.ts: the judge's query list (test/lake/promql/judge-queries.ts)
 * as instant queries at two times and, unless a range vector, as range queries over two spans, against
 * both HTTP APIs. Each (query, time or span) runs once to warm up, then `repeats` times on each system,
 * alternating; its latency is the median. An answer's series count is compared so a fast wrong answer
 * shows.
 */
import { JUDGE_QUERIES } from '../test/lake/promql/judge-queries.js';

export interface QueryCase {
  label: string;
  path: '/api/v1/query' | '/api/v1/query_range';
  params: Record<string, string>;
}

export interface QueryTiming {
  label: string;
  promMs: number;
  lakeMs: number;
  /** Same status and number of series in both answers. */
  sameShape: boolean;
}

const MIN = 60_000;
const s = (ms: number) => String(ms / 1000);

/** The cases: instants near the end and in the middle; the last hour at 60 s and 20 minutes at 15 s. */
export function queryCases(startMs: number, endMs: number): QueryCase[] {
  const instants = [endMs - 2 * MIN - 7_000, startMs + Math.round((endMs - startMs) / 2 / MIN) * MIN];
  const ranges = [
    { start: endMs - 61 * MIN, end: endMs - MIN, step: 60_000 },
    { start: endMs - 40 * MIN + 3_000, end: endMs - 20 * MIN, step: 15_000 },
  ];
  const cases: QueryCase[] = [];
  for (const query of JUDGE_QUERIES) {
    instants.forEach((time, i) => {
      cases.push({ label: `${query} @i${i}`, path: '/api/v1/query', params: { query, time: s(time) } });
    });
    if (query.trim().endsWith(']') || query.includes('] offset')) continue;
    ranges.forEach(({ start, end, step }, i) => {
      cases.push({
        label: `${query} @r${i}`,
        path: '/api/v1/query_range',
        params: { query, start: s(start), end: s(end), step: s(step) },
      });
    });
  }
  return cases;
}

async function timed(base: string, c: QueryCase): Promise<{ ms: number; shape: string }> {
  const start = performance.now();
  const res = await fetch(`${base}${c.path}?${new URLSearchParams(c.params)}`);
  const body = (await res.json()) as { status: string; data?: { result?: unknown } };
  const ms = performance.now() - start;
  const result = body.data?.result;
  return {
    ms,
    shape: `${res.status} ${body.status} ${Array.isArray(result) ? result.length : typeof result}`,
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs every case on both; returns per-case medians. */
export async function timeQueries(
  promUrl: string,
  lakeUrl: string,
  cases: readonly QueryCase[],
  repeats: number,
): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const c of cases) {
    const warmProm = await timed(promUrl, c);
    const warmLake = await timed(lakeUrl, c);
    const prom: number[] = [];
    const lake: number[] = [];
    for (let i = 0; i < repeats; i++) {
      prom.push((await timed(promUrl, c)).ms);
      lake.push((await timed(lakeUrl, c)).ms);
    }
    out.push({
      label: c.label,
      promMs: median(prom),
      lakeMs: median(lake),
      sameShape: warmProm.shape === warmLake.shape,
    });
  }
  return out;
}

export { median };
