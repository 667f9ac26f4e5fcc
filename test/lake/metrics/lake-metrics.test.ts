/**
 * Metrics in a bucket, end to end on the file port: OTLP objects ingested into 10 s segments and the
 * metric index, read back exactly, rolled up 10 s → 60 s → 5 m → 20 m → 1 h with every tier checked
 * against values computed from the samples sent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineHandle, engineHandle } from '../../../src/lake/engines/select.js';
import {
  ingestMetricsObject,
  METRIC_FREQUENCIES,
  type MetricRow,
  pickFrequency,
  readMetricDayIndex,
  readMetricRows,
  rollupMetrics,
} from '../../../src/lake/metrics/index.js';
import { loadZstd, type ZstdCodec } from '../../../src/lake/parquet/zstd.js';
import { decodeSketch } from '../../../src/lake/sketch/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { encodeMetricsRequest } from './otlp-metrics-fixtures.js';

const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
const DAY = 20260102;
const STEPS = 360; // one sample every 10 s for an hour

interface Sample {
  ms: number;
  value: number;
}

/** A counter that resets at sample 200 (a restart), and a wavy gauge; both every 10 s with a 3 s offset. */
function samples(series: number): { counter: Sample[]; gauge: Sample[] } {
  const counter: Sample[] = [];
  const gauge: Sample[] = [];
  let total = 0;
  for (let i = 0; i < STEPS; i++) {
    const ms = T0 + 3000 + i * 10_000;
    if (i === 200) total = 0;
    total += (i * 7 + series) % 13;
    counter.push({ ms, value: total });
    gauge.push({ ms, value: 50 + 40 * Math.sin(i / 9 + series) + (i % 5) });
  }
  return { counter, gauge };
}

const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

function request(from: number, to: number): Uint8Array {
  const metrics = [0, 1].flatMap((series) => {
    const { counter, gauge } = samples(series);
    const attributes = [{ key: 'series', value: { stringValue: `s${series}` } }];
    return [
      {
        name: 'requests_total',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: counter
            .slice(from, to)
            .map((s) => ({ attributes, timeUnixNano: ns(s.ms), asDouble: s.value })),
        },
      },
      {
        name: 'temperature',
        gauge: {
          dataPoints: gauge
            .slice(from, to)
            .map((s) => ({ attributes, timeUnixNano: ns(s.ms), asDouble: s.value })),
        },
      },
    ];
  });
  return encodeMetricsRequest({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [{ metrics }],
      },
    ],
  });
}

/** Prometheus's increase between two samples of a counter series: a drop is a reset from 0. */
function increase(values: number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i++) {
    const d = values[i]! - values[i - 1]!;
    total += d >= 0 ? d : values[i]!;
  }
  return total;
}

/** The same from rows, with the resets ingest recorded (`chq_reset_adjust`). */
function rowIncrease(rows: MetricRow[]): number {
  let total = 0;
  for (let i = 1; i < rows.length; i++) {
    const corrected = rows[i]!.chq_value! + rows[i]!.chq_reset_adjust;
    const d = corrected - rows[i - 1]!.chq_value!;
    total += d >= 0 ? d : corrected;
  }
  return total;
}

// both engines write the tables; everything read back must be the same
describe.each(['typescript', 'duckdb'] as const)('on the %s engine', (engineName) => {
  let dir: string;
  let port: StoragePort;
  let zstd: ZstdCodec;
  const org = 'acme';
  let engine: EngineHandle;

  beforeAll(async () => {
    engine = engineHandle(engineName);
    dir = await mkdtemp(join(tmpdir(), 'lake-metrics-'));
    port = fileStorage(join(dir, 'bucket'));
    zstd = await loadZstd();
    // three objects: the first and second halves of the hour, and the counters' restart is in the second
    await port.put('otel-raw/acme/c1/metrics_1.binpb.gz', gzipSync(request(0, 180)));
    await port.put('otel-raw/acme/c1/metrics_2.binpb', request(180, STEPS));
  });

  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const seriesRows = (rows: MetricRow[], name: string, series: string) =>
    rows.filter((r) => r.metric_name === name && r.fields.attr_series === series);

  describe('metrics in the lake', () => {
    it('ingests OTLP objects into 10 s segments once, and reads every sample back exactly', async () => {
      const first = await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb.gz', {
        engine: engine.get,
        org,
        zstd,
        collector: 'c1',
      });
      const second = await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_2.binpb', {
        engine: engine.get,
        org,
        zstd,
        collector: 'c1',
      });
      expect([first.points, first.rows, second.rows]).toEqual([720, 720, 720]);
      const again = await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb.gz', {
        engine: engine.get,
        org,
        zstd,
        collector: 'c1',
      });
      expect(again.alreadyIngested).toBe(true);
      const { index } = await readMetricDayIndex(port, org, DAY);
      expect(index.segments.map((s) => [s.frequencyMs, s.rows, s.metricNames])).toEqual([
        [10_000, 720, ['requests_total', 'temperature']],
        [10_000, 720, ['requests_total', 'temperature']],
      ]);
      expect(index.segments[0]!.table).toMatch(/^db\/acme\/c1\/20260102\/metrics\/10\/tbl_\d+\.parquet$/);

      const { rows, frequencyMs, stats } = await readMetricRows(port, {
        org,
        fromMs: T0,
        toMs: T0 + 3_600_000,
        zstd,
      });
      expect(frequencyMs).toBe(10_000);
      expect(stats.segmentsRead).toBe(2);
      for (const series of [0, 1]) {
        const { counter, gauge } = samples(series);
        const c = seriesRows(rows, 'requests_total', `s${series}`);
        const g = seriesRows(rows, 'temperature', `s${series}`);
        expect(c.map((r) => [r.chq_timestamp, r.chq_value])).toEqual(
          counter.map((s) => [s.ms - 3000, s.value]),
        );
        expect(g.map((r) => r.chq_value)).toEqual(gauge.map((s) => s.value));
        expect(g.map((r) => r.chq_tsns)).toEqual(gauge.map((s) => BigInt(s.ms) * 1_000_000n));
        // the restart fell between two objects: no ingest saw it, the rows show it as a drop
        expect(rowIncrease(c)).toBe(increase(counter.map((s) => s.value)));
      }
    });

    it('rolls every tier up once, each tier matching the samples it summarises', async () => {
      for (const f of METRIC_FREQUENCIES.slice(0, -1)) {
        const done = await rollupMetrics(port, {
          org,
          dateint: DAY,
          fromFrequencyMs: f,
          zstd,
          engine: engine.get,
        });
        expect(done.segment?.frequencyMs).toBeGreaterThan(f);
        const repeat = await rollupMetrics(port, {
          org,
          dateint: DAY,
          fromFrequencyMs: f,
          zstd,
          engine: engine.get,
        });
        expect(repeat.segment).toBeUndefined();
      }
      const { index } = await readMetricDayIndex(port, org, DAY);
      expect(index.segments.map((s) => [s.frequencyMs, s.rolledup])).toEqual([
        [10_000, true],
        [10_000, true],
        [60_000, true],
        [300_000, true],
        [1_200_000, true],
        [3_600_000, false],
      ]);
      for (const frequencyMs of METRIC_FREQUENCIES.slice(1)) {
        const { rows } = await readMetricRows(port, {
          org,
          fromMs: T0,
          toMs: T0 + 3_600_000,
          frequencyMs,
          zstd,
        });
        for (const series of [0, 1]) {
          const { counter, gauge } = samples(series);
          const g = seriesRows(rows, 'temperature', `s${series}`);
          expect(g.length).toBe(3_600_000 / frequencyMs);
          for (const row of g) {
            const inBucket = gauge.filter(
              (s) => s.ms >= row.chq_timestamp && s.ms < row.chq_timestamp + frequencyMs,
            );
            const values = inBucket.map((s) => s.value).sort((a, b) => a - b);
            expect(row.chq_rollup_count).toBe(values.length);
            expect(row.chq_rollup_sum).toBeCloseTo(
              values.reduce((a, b) => a + b, 0),
              9,
            );
            expect([row.chq_rollup_min, row.chq_rollup_max]).toEqual([values[0], values[values.length - 1]]);
            expect(row.chq_value).toBe(inBucket[inBucket.length - 1]!.value);
            const truth = values[Math.floor(0.5 * (values.length - 1))]!;
            expect(Math.abs(row.chq_rollup_p50 - truth) / truth).toBeLessThanOrEqual(0.01 + 1e-9);
            expect(decodeSketch(row.chq_sketch).count).toBe(values.length);
          }
          // increase from the last sample of the first bucket to the end, resets included
          const c = seriesRows(rows, 'requests_total', `s${series}`);
          const firstBucketEnd = T0 + frequencyMs;
          const fromSample = counter.filter((s) => s.ms < firstBucketEnd).length - 1;
          expect(rowIncrease(c)).toBe(increase(counter.slice(fromSample).map((s) => s.value)));
        }
      }
    });

    it('merges late data rolled up separately into the same buckets', async () => {
      // a late object with one more sample per series in the first minute
      const late = encodeMetricsRequest({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'temperature',
                    gauge: {
                      dataPoints: [
                        {
                          attributes: [{ key: 'series', value: { stringValue: 's0' } }],
                          timeUnixNano: ns(T0 + 1000),
                          asDouble: 1000,
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      });
      await port.put('otel-raw/acme/c1/metrics_late.binpb', late);
      // the codec is optional: the lake loads its own
      await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_late.binpb', {
        org,
        collector: 'c1',
        engine: engine.get,
      });
      await rollupMetrics(port, { org, dateint: DAY, engine: engine.get });
      const { rows } = await readMetricRows(port, {
        org,
        fromMs: T0,
        toMs: T0 + 60_000,
        frequencyMs: 60_000,
        zstd,
      });
      const [minute] = seriesRows(rows, 'temperature', 's0');
      expect(minute!.chq_rollup_count).toBe(7);
      expect(minute!.chq_rollup_max).toBe(1000);
    });

    it('loses no rollup to a race: of two at once, one publishes and the other removes its table', async () => {
      await port.put('otel-raw/acme/c1/metrics_race.binpb', request(10, 12));
      await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_race.binpb', {
        org,
        zstd,
        collector: 'c1',
        engine: engine.get,
      });
      const results = await Promise.all([
        rollupMetrics(port, { org, dateint: DAY, zstd, engine: engine.get }),
        rollupMetrics(port, { org, dateint: DAY, zstd, engine: engine.get }),
      ]);
      expect(results.filter((r) => r.segment).length).toBe(1);
      const { index } = await readMetricDayIndex(port, org, DAY);
      const stored: string[] = [];
      for await (const entry of port.list({ prefix: `db/${org}/c1/${DAY}/metrics/` }))
        if (entry.type === 'object') stored.push(entry.key);
      // every table in the bucket is one the index publishes: the loser removed its own
      expect(stored.sort()).toEqual(index.segments.map((s) => s.table).sort());
    });

    it('picks the tier from the range (LakeRunner thresholds), never coarser than the step', () => {
      const h = 3_600_000;
      expect([
        pickFrequency(h),
        pickFrequency(6 * h),
        pickFrequency(24 * h),
        pickFrequency(48 * h),
        pickFrequency(7 * 24 * h),
      ]).toEqual(METRIC_FREQUENCIES);
      expect(pickFrequency(7 * 24 * h, 60_000)).toBe(60_000);
      expect(pickFrequency(h, 3_600_000)).toBe(10_000);
    });
  });
});
