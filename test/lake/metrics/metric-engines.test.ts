/**
 * The two engines' metric tables: the same objects ingested (and rolled up) by the TypeScript engine into
 * one bucket and by the DuckDB engine into another read back as the same rows in the same order, give the
 * same PromQL answers, and DuckDB's SQL reads the TypeScript engine's tables as it reads its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineHandle, engineHandle } from '../../../src/lake/engines/select.js';
import { type Lake, openLake } from '../../../src/lake/index.js';
import {
  ingestMetricsObject,
  type MetricIngestResult,
  readMetricDayIndex,
  readMetricTable,
  rollupMetrics,
} from '../../../src/lake/metrics/index.js';
import { loadZstd, type ZstdCodec } from '../../../src/lake/parquet/zstd.js';
import { queryPromQL } from '../../../src/lake/promql/query.js';
import { newStats } from '../../../src/lake/query/stats.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { judgeSeries, T0, toRemoteWrite } from '../promql/judge-data.js';
import { encodeMetricsRequest, SAMPLE_METRICS } from './otlp-metrics-fixtures.js';

const ORG = 'acme';
const MIDNIGHT = Date.UTC(2026, 0, 3);
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

/** A gauge sampled every 2 s (five values per 10 s row) across midnight: two days, multi-value rows. */
function acrossMidnight(): Uint8Array {
  const dataPoints = Array.from({ length: 30 }, (_, i) => ({
    attributes: [{ key: 'host', value: { stringValue: 'h1' } }],
    timeUnixNano: ns(MIDNIGHT - 30_000 + i * 2000),
    asDouble: 20 + ((i * 7) % 11) / 4,
  }));
  return encodeMetricsRequest({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'fan_speed', gauge: { dataPoints } }] }] }],
  });
}

const objects: [key: string, body: Uint8Array][] = [
  ['otel-raw/acme/c1/metrics_kinds.binpb', encodeMetricsRequest(SAMPLE_METRICS)],
  ['otel-raw/acme/c1/metrics_midnight.binpb', acrossMidnight()],
  ...toRemoteWrite(judgeSeries(), 3_600_000).map((body, i): [string, Uint8Array] => [
    `otel-raw/acme/prom/metrics_${i}.prw`,
    body,
  ]),
];

interface Side {
  name: 'typescript' | 'duckdb';
  dir: string;
  port: StoragePort;
  engine: EngineHandle;
  results: MetricIngestResult[];
}

let zstd: ZstdCodec;
const sides: Side[] = [];

beforeAll(async () => {
  zstd = await loadZstd();
  for (const name of ['typescript', 'duckdb'] as const) {
    const dir = await mkdtemp(join(tmpdir(), `metric-engines-${name}-`));
    const side: Side = { name, dir, port: fileStorage(dir), engine: engineHandle(name), results: [] };
    for (const [key, body] of objects) {
      await side.port.put(key, body);
      side.results.push(
        await ingestMetricsObject(side.port, key, { org: ORG, zstd, engine: side.engine.get }),
      );
    }
    sides.push(side);
  }
}, 120_000);

afterAll(async () => {
  for (const side of sides) {
    await side.engine.close();
    await rm(side.dir, { recursive: true, force: true });
  }
});

const dateints = [20260102, 20260103, 20260105];

async function tables(side: Side) {
  const out = [];
  for (const dateint of dateints) {
    const { index } = await readMetricDayIndex(side.port, ORG, dateint);
    const segments = [...index.segments].sort(
      (a, b) =>
        a.frequencyMs - b.frequencyMs ||
        a.startMs - b.startMs ||
        a.metricNames.join().localeCompare(b.metricNames.join()),
    );
    for (const s of segments) {
      const bytes = await (await side.port.get(s.table)).bytes();
      const rows = await readMetricTable(side.port, s.table, s.bytes, { zstd, stats: newStats() });
      const { id, table, bytes: size, createdAt, rolledFrom, ...entry } = s;
      out.push({ entry, rows, writer: parquetMetadata(bytes.slice().buffer).created_by });
    }
  }
  return out;
}

describe('metric tables of the TypeScript and DuckDB engines', () => {
  it('hold the same rows in the same order, each written by its own engine', async () => {
    const [ts, duck] = sides as [Side, Side];
    expect(duck.results.map(({ segments, ...r }) => ({ ...r, segments: segments.length }))).toEqual(
      ts.results.map(({ segments, ...r }) => ({ ...r, segments: segments.length })),
    );
    const [a, b] = [await tables(ts), await tables(duck)];
    expect(a.length).toBeGreaterThanOrEqual(4);
    expect(a.map((t) => t.writer)).toEqual(a.map(() => 'bucketkit lake'));
    expect(b.every((t) => /duckdb/i.test(t.writer ?? ''))).toBe(true);
    expect(b.map(({ entry, rows }) => ({ entry, rows }))).toEqual(
      a.map(({ entry, rows }) => ({ entry, rows })),
    );
    expect(a.reduce((n, t) => n + t.rows.length, 0)).toBeGreaterThan(1000);
  });

  it('give the same PromQL answers, before and after rolling up', async () => {
    const queries = [
      'http_requests_total',
      'rate(http_requests_total[5m])',
      'sum by (job) (increase(http_requests_total[10m]))',
      'avg_over_time(temperature[5m])',
      'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))',
      'max_over_time(fan_speed[1m])',
      '{__name__=~".+"}',
    ];
    const times = [T0 + 30 * 60_000, T0 + 59 * 60_000, MIDNIGHT + 10_000, Date.UTC(2026, 0, 2, 3, 4, 30)];
    const answers = async (side: Side) => {
      const out = [];
      for (const query of queries)
        for (const startMs of times) {
          const { stats, ...instant } = await queryPromQL(side.port, { org: ORG, query, startMs, zstd });
          out.push(instant);
        }
      const { stats, ...range } = await queryPromQL(side.port, {
        org: ORG,
        query: 'sum(rate(http_requests_total[5m]))',
        startMs: T0 + 10 * 60_000,
        endMs: T0 + 50 * 60_000,
        stepMs: 60_000,
        zstd,
      });
      out.push(range);
      return out;
    };
    const [ts, duck] = sides as [Side, Side];
    const before = await answers(ts);
    expect(before.filter((a) => a.resultType === 'vector' && a.result.length > 0).length).toBeGreaterThan(10);
    expect(await answers(duck)).toEqual(before);
    for (const side of sides)
      for (const dateint of dateints)
        await rollupMetrics(side.port, { org: ORG, dateint, zstd, engine: side.engine.get });
    const [a, b] = [await tables(ts), await tables(duck)];
    expect(b.filter((t) => t.entry.frequencyMs === 60_000).length).toBeGreaterThan(0);
    expect(b.map(({ entry, rows }) => ({ entry, rows }))).toEqual(
      a.map(({ entry, rows }) => ({ entry, rows })),
    );
  });

  it("are read by DuckDB's SQL the same, whichever engine wrote them", async () => {
    const lakes: Lake[] = sides.map((side) => openLake(side.port, { engine: 'duckdb', orgs: {} }));
    try {
      const sql = `SELECT * EXCLUDE (chq_sketch), md5(chq_sketch) AS sketch FROM metrics
                   ORDER BY metric_name, chq_tid, chq_timestamp`;
      const options = {
        org: ORG,
        signal: 'metrics' as const,
        from: T0,
        to: T0 + 2 * 3_600_000,
        frequencyMs: 10_000,
      };
      const [a, b] = [await lakes[0]!.sql(sql, options), await lakes[1]!.sql(sql, options)];
      expect(a.rows.length).toBeGreaterThan(1000);
      expect(b.rows).toEqual(a.rows);
    } finally {
      for (const lake of lakes) await lake.close();
    }
  });

  it("lake.ingestMetrics writes with the lake's engine: DuckDB when it loads ('auto'), or the one chosen", async () => {
    for (const [choice, writer] of [
      ['auto', /duckdb/i],
      ['duckdb', /duckdb/i],
      ['typescript', /^bucketkit lake$/],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), `metric-engines-lake-${choice}-`));
      const port = fileStorage(dir);
      const lake = openLake(port, { engine: choice });
      try {
        const [key, body] = objects[0]!;
        await port.put(key, body);
        const result = await lake.ingestMetrics(key);
        expect(result.segments.length).toBe(1);
        const bytes = await (await port.get(result.segments[0]!.table)).bytes();
        expect(parquetMetadata(bytes.slice().buffer).created_by).toMatch(writer);
        expect((await lake.ingestMetrics(key)).alreadyIngested).toBe(true);
      } finally {
        await lake.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
});
