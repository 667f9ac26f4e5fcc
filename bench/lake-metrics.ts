/**
 * Metrics ingest speed and size, TypeScript engine on the file port (no Prometheus comparison yet: it is
 * not installed where this was written). 200 series (100 counters, 100 gauges) × 600 samples 10 s apart
 * in one OTLP protobuf object: decode + cook (10 s rows, tid, sketch, rollups) + ZSTD Parquet + index.
 *
 *   npx tsx bench/lake-metrics.ts       # prints points/CPU-s for ingest and rollup, bytes per sample
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestMetricsObject, rollupMetrics } from '../src/lake/metrics/index.js';
import { loadZstd } from '../src/lake/parquet/zstd.js';
import { fileStorage } from '../src/storage/index.js';
import { encodeMetricsRequest } from '../test/lake/metrics/otlp-metrics-fixtures.js';

const SERIES = 100;
const SAMPLES = 600;
const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

const metrics = Array.from({ length: SERIES }, (_, s) => {
  const attributes = [
    { key: 'instance', value: { stringValue: `host-${s}:9100` } },
    { key: 'job', value: { stringValue: 'node' } },
  ];
  let total = 0;
  return [
    {
      name: 'http_requests_total',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: Array.from({ length: SAMPLES }, (_, i) => {
          total += (i * 7 + s) % 13;
          return { attributes, timeUnixNano: ns(T0 + i * 10_000), asDouble: total };
        }),
      },
    },
    {
      name: 'node_load1',
      gauge: {
        dataPoints: Array.from({ length: SAMPLES }, (_, i) => ({
          attributes,
          timeUnixNano: ns(T0 + i * 10_000),
          asDouble: Math.round((1 + Math.sin(i / 20 + s)) * 100) / 100,
        })),
      },
    },
  ];
}).flat();
const body = encodeMetricsRequest({ resourceMetrics: [{ scopeMetrics: [{ metrics }] }] });
const points = SERIES * 2 * SAMPLES;

const dir = await mkdtemp(join(tmpdir(), 'bench-metrics-'));
try {
  const port = fileStorage(join(dir, 'bucket'));
  const zstd = await loadZstd();
  await port.put('otel-raw/acme/c1/metrics_1.binpb', body);
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let start = cpu();
  const result = await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb', { org: 'acme', zstd });
  const ingestCpu = cpu() - start;
  const bytes = result.segments.reduce((n, s) => n + s.bytes, 0);
  start = cpu();
  const rolled = await rollupMetrics(port, { org: 'acme', dateint: 20260102, zstd });
  const rollupCpu = cpu() - start;
  console.log(`ingest: ${points} points, ${Math.round(points / ingestCpu)} points/CPU-s`);
  console.log(
    `stored: ${bytes} B in 10 s rows, ${(bytes / points).toFixed(2)} B/sample (OTLP protobuf ${(body.byteLength / points).toFixed(1)} B/sample)`,
  );
  console.log(
    `rollup 10 s → 60 s: ${rolled.rowsRead} rows, ${Math.round(rolled.rowsRead / rollupCpu)} rows/CPU-s`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
