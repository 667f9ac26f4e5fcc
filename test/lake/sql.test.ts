/**
 * `lake.sql` on DuckDB over the segments the index selects: the same answers as the lake's own queries
 * for traces, logs and metrics, only the segments of the range are opened, text comes back exactly, and
 * bad SQL or a lake without DuckDB is a typed error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMetricsObject, type Lake, openLake, readMetricRows } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { at, encodeMetricsRequest } from './metrics/otlp-metrics-fixtures.js';
import { ndjsonGz, rawLines, T0 } from './support.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesProtobuf } from './traces/trace-fixtures.js';

let dir: string;
let port: StoragePort;
let lake: Lake;
const HOUR = 3_600_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-sql-'));
  port = fileStorage(join(dir, 'bucket'));
  lake = openLake(port, { engine: 'duckdb' });
  for (const [i, start] of [T0_MS, T0_MS + 2 * HOUR].entries()) {
    const spans = await sdkSpans(
      (p) => {
        for (let k = 0; k < 5; k++) recordCheckout(p, start + k * 60_000, 100 + 10 * k);
        const tracer = p.getTracer('bom');
        tracer.startSpan('\uFEFFbom step', { startTime: start + 1 }).end(start + 2);
      },
      'checkout',
      counterIds(1 + 10 * i),
    );
    await port.put(`otel-raw/acme/c1/traces_${i}.binpb`, tracesProtobuf(spans));
    await lake.ingestTraces(`otel-raw/acme/c1/traces_${i}.binpb`);
  }
  await port.put('logs-raw/app.json.gz', ndjsonGz(rawLines(300, T0, 1000)));
  await openLake(port, { orgs: { 'logs-raw/': 'acme' }, engine: 'typescript' }).ingest(
    'logs-raw/app.json.gz',
  );
  const gauge = {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'queue.depth',
                gauge: { dataPoints: [1, 2, 3].map((v, i) => ({ timeUnixNano: at(i * 10), asDouble: v })) },
              },
            ],
          },
        ],
      },
    ],
  };
  await port.put('otel-raw/acme/c1/metrics_1.binpb', encodeMetricsRequest(gauge));
  await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb', { org: 'acme' });
});

afterAll(async () => {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('lake.sql', () => {
  it('traces: the same counts and durations as span search, from only the segments of the range', async () => {
    const range = { org: 'acme', signal: 'traces' as const, from: T0_MS, to: T0_MS + HOUR };
    const { rows, columns, stats } = await lake.sql(
      'SELECT span_name, count(*) AS n, max(span_duration) AS longest FROM traces GROUP BY span_name ORDER BY span_name',
      range,
    );
    expect(columns.map((c) => c.name)).toEqual(['span_name', 'n', 'longest']);
    expect(stats.segmentsRead).toBe(1);
    const { spans } = await lake.spans({ org: 'acme', from: range.from, to: range.to, limit: 1000 });
    const expected = new Map<string, { n: bigint; longest: bigint }>();
    for (const s of spans) {
      const e = expected.get(s.span_name) ?? { n: 0n, longest: 0n };
      e.n++;
      if (BigInt(s.span_duration) > e.longest) e.longest = BigInt(s.span_duration);
      expected.set(s.span_name, e);
    }
    expect(rows).toEqual(
      [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([span_name, e]) => ({ span_name, ...e })),
    );
    expect(rows.find((r) => r.span_name === '\uFEFFbom step')).toBeDefined();
  });

  it('traces over both files, a join of spans to their parents', async () => {
    const { rows, stats } = await lake.sql(
      `SELECT p.span_name AS parent, count(*) AS children FROM traces c JOIN traces p
         ON c.span_parent_span_id = p.span_id AND c.span_trace_id = p.span_trace_id GROUP BY 1`,
      { org: 'acme', signal: 'traces', from: T0_MS, to: T0_MS + 3 * HOUR },
    );
    expect(rows).toEqual([{ parent: 'GET /cart/:id', children: 30n }]);
    expect(stats.segmentsRead).toBe(2);
  });

  it('logs: counts by level equal lake.count', async () => {
    const from = T0;
    const to = T0 + 300_000;
    const { rows } = await lake.sql(
      'SELECT log_level AS level, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1',
      {
        org: 'acme',
        signal: 'logs',
        from,
        to,
      },
    );
    const counted = await lake.count({ org: 'acme', from, to, step: 300_000, by: ['log_level'] });
    const expected = counted.series
      .map((s) => ({ level: s.labels.log_level, n: BigInt(s.points.reduce((sum, [, n]) => sum + n, 0)) }))
      .sort((a, b) => (String(a.level) < String(b.level) ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('metrics: the exact values of the 10 s tier', async () => {
    const { rows } = await lake.sql(
      'SELECT metric_name, sum(chq_value) AS total, count(*) AS n FROM metrics GROUP BY 1',
      {
        org: 'acme',
        signal: 'metrics',
        from: T0_MS - 60_000,
        to: T0_MS + 600_000,
      },
    );
    const { rows: own } = await readMetricRows(port, {
      org: 'acme',
      fromMs: T0_MS - 60_000,
      toMs: T0_MS + 600_000,
    });
    expect(rows).toEqual([
      { metric_name: 'queue_depth', total: own.reduce((s, r) => s + (r.chq_value ?? 0), 0), n: 3n },
    ]);
  });

  it('a range without segments is an empty view; bad SQL is InvalidArgument', async () => {
    const empty = await lake.sql('SELECT count(*) AS n FROM traces', {
      org: 'acme',
      signal: 'traces',
      from: 0,
      to: 1000,
    });
    expect(empty.rows).toEqual([{ n: 0n }]);
    await expect(
      lake.sql('SELECT nope FROM traces', { org: 'acme', signal: 'traces', from: T0_MS, to: T0_MS + HOUR }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('the TypeScript engine says what to install', async () => {
    const plain = openLake(port, { engine: 'typescript' });
    await expect(
      plain.sql('SELECT 1', { org: 'acme', signal: 'logs', from: T0, to: T0 + 1000 }),
    ).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringMatching(/@duckdb\/node-api/) });
  });
});
