/**
 * LogQL answers checked against an independent evaluation: DuckDB SQL over the raw NDJSON.gz files the lake
 * ingested (needle, regex, count_over_time by level with overlapping windows, topk, logfmt label filters,
 * bytes and rates). Both sides see the same generated data set; nothing is hard-coded.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateLogQL, type Lake, type LogQLResult, openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { DAY0, dataLines, dataNdjsonGz, NEEDLE } from './logql-data.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
let dir: string;
let lake: Lake;
let db: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logql-duck-'));
  await mkdir(join(dir, 'raw'));
  const port = fileStorage(join(dir, 'bucket'));
  const lines = dataLines(12_000);
  for (let f = 0; f < 3; f++) {
    const bytes = dataNdjsonGz(lines.slice(f * 4000, (f + 1) * 4000));
    await writeFile(join(dir, 'raw', `f${f}.json.gz`), bytes);
    await port.put(`logs-raw/f${f}.json.gz`, bytes);
  }
  lake = openLake(port, { orgs: { 'logs-raw/': 'acme' }, segmentRows: 1500 });
  for (let f = 0; f < 3; f++) await lake.ingest(`logs-raw/f${f}.json.gz`);
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
  await con.run(`CREATE TABLE raw AS SELECT epoch_ms(CAST(timestamp AS TIMESTAMPTZ)) AS ms, level, message,
      resource_service_name AS service
    FROM read_ndjson('${join(dir, 'raw')}/*.json.gz',
      columns = {timestamp: 'VARCHAR', level: 'VARCHAR', message: 'VARCHAR', resource_service_name: 'VARCHAR'})`);
}, 180_000);

afterAll(async () => {
  con?.closeSync();
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function sql(query: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(query)).getRowObjects();
}

/** A metric result as `labels@ms → value`. */
function samples(result: LogQLResult): Map<string, number> {
  if (result.type === 'streams') throw new Error('expected samples');
  const out = new Map<string, number>();
  for (const s of result.series)
    for (const [ms, v] of s.samples) out.set(`${JSON.stringify(s.labels)}@${ms}`, v);
  return out;
}

/** DuckDB rows `{ label columns..., t, v }` as `labels@ms → value`. */
function duckSamples(rows: Record<string, unknown>[], labels: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const l = Object.fromEntries(labels.map((name) => [name, String(row[name])]));
    out.set(`${JSON.stringify(l)}@${Number(row.t)}`, Number(row.v));
  }
  return out;
}

/** SQL of the evaluation times `start, start + step, … ≤ end` joined to windows `[t − range, t)`. */
function windows(start: number, end: number, step: number, range: number): string {
  return `(SELECT unnest(generate_series(${start}::BIGINT, ${end}::BIGINT, ${step}::BIGINT)) AS t) w
    JOIN raw ON raw.ms >= w.t - ${range} AND raw.ms < w.t`;
}

function lines(result: LogQLResult): [number, string][] {
  if (result.type !== 'streams') throw new Error('expected streams');
  return result.streams
    .flatMap((s) => s.entries.map(([ns, line]): [number, string] => [Number(ns / 1_000_000n), line]))
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
}

describe('LogQL against DuckDB over the raw files', () => {
  const range = { org: 'acme', start: DAY0, end: DAY0 + 6 * HOUR + 1000 };

  it('finds a needle in two services', async () => {
    const result = await evaluateLogQL(lake, {
      ...range,
      query: `{service=~"api|billing"} |= "${NEEDLE}"`,
      limit: 1000,
    });
    const duck = await sql(`SELECT ms, message FROM raw WHERE service IN ('api', 'billing')
      AND contains(message, '${NEEDLE}') ORDER BY ms, message`);
    expect(duck.length).toBeGreaterThan(0);
    expect(lines(result)).toEqual(duck.map((r) => [Number(r.ms), r.message]));
    expect(result.stats.segmentsRead).toBeGreaterThan(0);
  });

  it('keeps regex matches without a word, in time order both ways, up to the limit', async () => {
    const query = '{level="ERROR"} |~ "took=2[0-9]{3}ms" != "timeout"';
    const duck = await sql(`SELECT ms, message FROM raw WHERE level = 'ERROR'
      AND regexp_matches(message, 'took=2[0-9]{3}ms') AND NOT contains(message, 'timeout') ORDER BY ms, message`);
    expect(duck.length).toBeGreaterThan(50);
    const all = await evaluateLogQL(lake, { ...range, query, limit: 100_000, direction: 'forward' });
    expect(lines(all)).toEqual(duck.map((r) => [Number(r.ms), r.message]));
    const newest = await evaluateLogQL(lake, { ...range, query, limit: 10 });
    const times =
      newest.type === 'streams'
        ? newest.streams.flatMap((s) => s.entries.map((e) => Number(e[0] / 1_000_000n)))
        : [];
    expect(times.sort((a, b) => b - a)).toEqual(
      duck
        .slice(-10)
        .map((r) => Number(r.ms))
        .reverse(),
    );
  });

  it('counts by level over overlapping windows, from agg files and from tables alike', async () => {
    const [start, end, step, win] = [DAY0 + HOUR, DAY0 + 6 * HOUR, 15 * MIN, 30 * MIN];
    const duck = duckSamples(
      await sql(`SELECT w.t AS t, level, count(*) AS v FROM ${windows(start, end, step, win)}
        WHERE service = 'api' GROUP BY 1, 2`),
      ['level'],
    );
    const viaAgg = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum by (level) (count_over_time({service="api"}[30m]))',
    });
    expect(viaAgg.stats.usedAggFiles).toBe(true);
    expect(samples(viaAgg)).toEqual(duck);
    const viaRows = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum by (level) (count_over_time({service="api"} | logfmt [30m]))',
    });
    expect(viaRows.stats.usedAggFiles).toBe(false);
    expect(samples(viaRows)).toEqual(duck);
  });

  it('counts lines without a word per level (negative filter, evaluated per line)', async () => {
    const [start, end, step] = [DAY0 + HOUR, DAY0 + 6 * HOUR, HOUR];
    const result = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'count by (level) (count_over_time({service="search"} != "method=GET" [1h]))',
    });
    const perStream =
      await sql(`SELECT w.t AS t, level, count(DISTINCT level) AS v FROM ${windows(start, end, step, HOUR)}
      WHERE service = 'search' AND NOT contains(message, 'method=GET') GROUP BY 1, 2`);
    // one stream per level and file: count by (level) is the number of files with such lines in the window
    expect([...samples(result).keys()].sort()).toEqual([...duckSamples(perStream, ['level']).keys()].sort());
    const sums = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum by (level) (count_over_time({service="search"} != "method=GET" [1h]))',
    });
    const duck = await sql(`SELECT w.t AS t, level, count(*) AS v FROM ${windows(start, end, step, HOUR)}
      WHERE service = 'search' AND NOT contains(message, 'method=GET') GROUP BY 1, 2`);
    expect(samples(sums)).toEqual(duckSamples(duck, ['level']));
  });

  it('ranks services with topk, instant and over a range', async () => {
    const query = 'topk(2, sum by (service) (count_over_time({level=~"ERROR|WARN"} |= "timeout" [1h])))';
    const at = DAY0 + 6 * HOUR;
    const instant = await evaluateLogQL(lake, { org: 'acme', start: at, end: at, query });
    const duck =
      await sql(`SELECT service, ${at} AS t, count(*) AS v FROM raw WHERE level IN ('ERROR', 'WARN')
      AND contains(message, 'timeout') AND ms >= ${at - HOUR} AND ms < ${at} GROUP BY 1 ORDER BY v DESC LIMIT 2`);
    expect(instant.type).toBe('vector');
    expect(samples(instant)).toEqual(duckSamples(duck, ['service']));
    const [start, step] = [DAY0 + HOUR, HOUR];
    const ranged = await evaluateLogQL(lake, { org: 'acme', start, end: at, step, query });
    const top = await sql(`SELECT t, service, v FROM (
        SELECT w.t AS t, service, count(*) AS v, row_number() OVER (PARTITION BY w.t ORDER BY count(*) DESC, service) AS r
        FROM ${windows(start, at, step, HOUR)} WHERE level IN ('ERROR', 'WARN') AND contains(message, 'timeout')
        GROUP BY 1, 2) WHERE r <= 2`);
    expect(samples(ranged)).toEqual(duckSamples(top, ['service']));
  });

  it('filters on logfmt fields, and computes rates and bytes', async () => {
    const [start, end, step] = [DAY0 + HOUR, DAY0 + 6 * HOUR, HOUR];
    const logfmt = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum by (service) (count_over_time({level="ERROR"} | logfmt | status >= 503 | took > 2s [1h]))',
    });
    const duckLogfmt =
      await sql(`SELECT w.t AS t, service, count(*) AS v FROM ${windows(start, end, step, HOUR)}
      WHERE level = 'ERROR' AND CAST(regexp_extract(message, 'status=(\\d+)', 1) AS INT) >= 503
      AND CAST(regexp_extract(message, 'took=(\\d+)ms', 1) AS INT) > 2000 GROUP BY 1, 2`);
    expect(duckLogfmt.length).toBeGreaterThan(5);
    expect(samples(logfmt)).toEqual(duckSamples(duckLogfmt, ['service']));

    const rate = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum by (level) (rate({service="auth"}[10m]))',
    });
    const duckRate =
      await sql(`SELECT w.t AS t, level, count(*) / 600.0 AS v FROM ${windows(start, end, step, 10 * MIN)}
      WHERE service = 'auth' GROUP BY 1, 2`);
    const got = samples(rate);
    const want = duckSamples(duckRate, ['level']);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) expect(got.get(key)).toBeCloseTo(value, 12);

    const bytes = await evaluateLogQL(lake, {
      org: 'acme',
      start,
      end,
      step,
      query: 'sum(bytes_over_time({service="mailer"}[1h]))',
    });
    const duckBytes =
      await sql(`SELECT w.t AS t, sum(strlen(message)) AS v FROM ${windows(start, end, step, HOUR)}
      WHERE service = 'mailer' GROUP BY 1`);
    expect(samples(bytes)).toEqual(duckSamples(duckBytes, []));
  });
});
