/**
 * Lean reads of the raw tier (`readMetricRows({ lean: true })`, what PromQL uses): gauges' and counters'
 * exact values without decoding sketches and rollup statistics, the same values; and the two
 * cases that need the whole row read whole — histogram rows, and a bucket split across two objects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ingestMetricsObject,
  type MetricRow,
  MetricRowCache,
  readMetricRows,
} from '../../../src/lake/metrics/index.js';
import { loadZstd } from '../../../src/lake/parquet/zstd.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { encodeMetricsRequest } from './otlp-metrics-fixtures.js';

const T0 = Date.UTC(2026, 0, 3, 8, 0, 0);
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const attributes = [{ key: 'host', value: { stringValue: 'h1' } }];

/** A gauge and a counter sampled every 10 s at `offsetMs` into each bucket, `steps` times from `fromStep`. */
function plain(fromStep: number, steps: number, offsetMs: number): Uint8Array {
  const times = Array.from({ length: steps }, (_, i) => T0 + (fromStep + i) * 10_000 + offsetMs);
  return encodeMetricsRequest({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'queue_depth',
                gauge: {
                  dataPoints: times.map((t, i) => ({
                    attributes,
                    timeUnixNano: ns(t),
                    asDouble: (i * 37) % 11,
                  })),
                },
              },
              {
                name: 'jobs_total',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: times.map((t) => ({
                    attributes,
                    timeUnixNano: ns(t),
                    asDouble: (t - T0) / 1000,
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

function histogram(): Uint8Array {
  const point = (i: number) => ({
    attributes,
    timeUnixNano: ns(T0 + i * 10_000 + 2_000),
    count: String(10 * (i + 1)),
    sum: 43 * (i + 1),
    explicitBounds: [10, 50, 100],
    bucketCounts: [String(3 * (i + 1)), String(4 * (i + 1)), String(2 * (i + 1)), String(i + 1)],
  });
  return encodeMetricsRequest({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'latency_ms',
                histogram: { aggregationTemporality: 2, dataPoints: [0, 1, 2].map(point) },
              },
            ],
          },
        ],
      },
    ],
  });
}

let dir: string;
let port: StoragePort;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-lean-'));
  port = fileStorage(join(dir, 'bucket'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ingest(name: string, body: Uint8Array): Promise<void> {
  const key = `otel-raw/acme/c1/${name}`;
  await port.put(key, body);
  await ingestMetricsObject(port, key, { org: 'acme', zstd: await loadZstd() });
}

async function both(): Promise<{
  lean: MetricRow[];
  whole: MetricRow[];
  leanBytes: number;
  wholeBytes: number;
}> {
  const range = {
    org: 'acme',
    fromMs: T0,
    toMs: T0 + 3_600_000,
    frequencyMs: 10_000,
    zstd: await loadZstd(),
  };
  const lean = await readMetricRows(port, { ...range, lean: true });
  const whole = await readMetricRows(port, range);
  return {
    lean: lean.rows,
    whole: whole.rows,
    leanBytes: lean.stats.bytesRead,
    wholeBytes: whole.stats.bytesRead,
  };
}

const exact = (r: MetricRow) => [
  r.metric_name,
  r.chq_tid,
  r.chq_tsns,
  r.chq_value,
  r.chq_reset_adjust,
  r.fields,
];

describe('lean reads of the raw tier', () => {
  it('return the exact values of gauges and counters without decoding their sketches', async () => {
    await ingest('metrics_1.binpb', plain(0, 200, 3_000));
    const { lean, whole } = await both();
    expect(lean).toHaveLength(400);
    expect(lean.map(exact)).toEqual(whole.map(exact));
    expect(whole.every((r) => r.chq_sketch.byteLength > 0 && r.chq_rollup_p50 === r.chq_value)).toBe(true);
    expect(lean.every((r) => r.chq_sketch.byteLength === 0 && Number.isNaN(r.chq_rollup_p50))).toBe(true);
  });

  it('read a segment with histogram rows whole', async () => {
    await ingest('metrics_1.binpb', plain(0, 3, 3_000));
    await ingest('metrics_2.binpb', histogram());
    const { lean, whole } = await both();
    expect(lean.filter((r) => r.metric_name === 'latency_ms').map((r) => r.chq_rollup_count)).toEqual([
      10, 20, 30,
    ]);
    expect(lean.filter((r) => r.metric_name === 'latency_ms')).toEqual(
      whole.filter((r) => r.metric_name === 'latency_ms'),
    );
  });

  it('read everything whole when a bucket is split across objects, merging it as a whole read does', async () => {
    await ingest('metrics_1.binpb', plain(0, 5, 3_000));
    await ingest('metrics_2.binpb', plain(4, 5, 7_000)); // bucket 4 gets a second sample, 4 s later
    const { lean, whole } = await both();
    expect(lean).toHaveLength(2 * 9);
    expect(lean).toEqual(whole);
    const merged = lean.find((r) => r.metric_name === 'queue_depth' && r.chq_timestamp === T0 + 40_000);
    expect([merged?.chq_rollup_count, merged?.chq_tsns]).toEqual([2, BigInt(T0 + 47_000) * 1_000_000n]);
  });

  it('answer from kept tables as from the files, within a time range, and keep no histogram rows', async () => {
    await ingest('metrics_1.binpb', plain(0, 200, 3_000));
    await ingest('metrics_2.binpb', histogram());
    const zstd = await loadZstd();
    const cache = new MetricRowCache(10_000);
    const window = { org: 'acme', fromMs: T0 + 600_000, toMs: T0 + 900_000, frequencyMs: 10_000, zstd };
    const uncached = await readMetricRows(port, { ...window, lean: true });
    const first = await readMetricRows(port, { ...window, lean: true, cache });
    const second = await readMetricRows(port, { ...window, lean: true, cache });
    expect(first.rows).toEqual(uncached.rows);
    expect(second.rows).toEqual(uncached.rows);
    expect(second.rows.map((r) => r.chq_timestamp)).toContain(T0 + 600_000);
    expect(second.rows.every((r) => r.chq_timestamp >= T0 + 600_000 && r.chq_timestamp < T0 + 900_000)).toBe(
      true,
    );
    expect([first.stats.cachedBytes, second.stats.cachedBytes > 0]).toEqual([0, true]);
    expect(cache.rows).toBe(400); // the plain table whole
    const histograms = await readMetricRows(port, {
      ...window,
      fromMs: T0,
      lean: true,
      cache,
      metricName: 'latency_ms',
    });
    expect(histograms.rows.map((r) => r.chq_sketch.byteLength > 0)).toEqual([true, true, true]);
    expect(cache.rows).toBe(400 + 1); // and the histogram table as a marker, without its rows
  });

  it('drop the least recently used tables beyond their bound', async () => {
    const rows = (n: number) => Array.from({ length: n }, () => ({}) as MetricRow);
    const cache = new MetricRowCache(10);
    let loads = 0;
    const load = (n: number) => async () => {
      loads++;
      return rows(n);
    };
    await cache.rowsOf('a', load(4));
    await cache.rowsOf('b', load(4));
    expect((await cache.rowsOf('a', load(4))).hit).toBe(true);
    await cache.rowsOf('c', load(4)); // 12 > 10: b, the least recently used, goes
    expect(cache.rows).toBe(8);
    expect((await cache.rowsOf('a', load(4))).hit).toBe(true);
    expect((await cache.rowsOf('b', load(4))).hit).toBe(false);
    expect((await cache.rowsOf('huge', load(11))).hit).toBe(false);
    expect((await cache.rowsOf('huge', load(11))).hit).toBe(false); // larger than the bound: never kept
    expect(loads).toBe(6);
  });
});
