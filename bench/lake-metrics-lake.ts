/**
 * The lake's side of bench/lake-metrics.ts on the file port: ingest of remote-write objects (one per series
 * kind and `objectMs` of data, the path the `/api/v1/write` receiver takes after storing a batch), bytes
 * stored per sample per kind, rollups 10 s → 60 s → 5 m → 20 m → 1 h, and the Prometheus API server.
 */
import { join } from 'node:path';
import type { LakeEngine } from '../src/lake/engines/engine.js';
import { createLakeServer, type ListeningLakeServer, prometheusRoutes } from '../src/lake/http/index.js';
import { ingestMetricsObject, rollupMetrics } from '../src/lake/metrics/index.js';
import { dateintsBetween } from '../src/lake/names.js';
import type { ZstdCodec } from '../src/lake/parquet/zstd.js';
import { fileStorage, type StoragePort } from '../src/storage/index.js';
import { toRemoteWrite } from '../test/lake/promql/judge-data.js';
import { type BenchSeries, type SeriesKind, sampleCount } from './lake-metrics-data.js';

export const ORG = 'bench';

/** CPU-seconds of this process (all its threads). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface LakeIngest {
  port: StoragePort;
  samples: number;
  cpuSeconds: number;
  /** Table bytes and samples per kind. */
  stored: Record<SeriesKind, { bytes: number; samples: number; segments: number }>;
}

/** Writes the remote-write objects, then ingests them, timing only the ingest. */
export async function lakeIngest(
  dir: string,
  series: readonly BenchSeries[],
  window: { startMs: number; endMs: number; objectMs: number },
  zstd: ZstdCodec,
  engine?: () => Promise<LakeEngine>,
): Promise<LakeIngest> {
  const port = fileStorage(join(dir, 'bucket'));
  const kinds: SeriesKind[] = ['counter', 'gauge', 'histogram'];
  const objects: { key: string; kind: SeriesKind }[] = [];
  for (const kind of kinds) {
    const bodies = toRemoteWrite(
      series.filter((s) => s.kind === kind),
      window.objectMs,
      window,
    );
    for (const [i, body] of bodies.entries()) {
      const key = `otel-raw/${ORG}/remote-write/metrics_${kind}_${i}.prw`;
      await port.put(key, body);
      objects.push({ key, kind });
    }
  }
  const stored = Object.fromEntries(
    kinds.map((k) => [
      k,
      { bytes: 0, samples: sampleCount(series.filter((s) => s.kind === k)), segments: 0 },
    ]),
  ) as LakeIngest['stored'];
  const start = cpuSeconds();
  let samples = 0;
  for (const { key, kind } of objects) {
    const result = await ingestMetricsObject(port, key, {
      org: ORG,
      collector: 'remote-write',
      zstd,
      engine: engine ?? 'typescript', // the default is 'auto' (DuckDB when installed)
    });
    samples += result.points;
    for (const segment of result.segments) {
      stored[kind].bytes += segment.bytes;
      stored[kind].segments++;
    }
  }
  return { port, samples, cpuSeconds: cpuSeconds() - start, stored };
}

export interface RollupTier {
  fromMs: number;
  toMs: number;
  rowsRead: number;
  cpuSeconds: number;
}

/** Rolls every day of the window up through every tier, timing each step. */
export async function lakeRollups(
  port: StoragePort,
  window: { startMs: number; endMs: number },
  zstd: ZstdCodec,
): Promise<RollupTier[]> {
  const tiers: RollupTier[] = [];
  for (const [fromMs, toMs] of [
    [10_000, 60_000],
    [60_000, 300_000],
    [300_000, 1_200_000],
    [1_200_000, 3_600_000],
  ] as const) {
    const start = cpuSeconds();
    let rowsRead = 0;
    for (const dateint of dateintsBetween(window.startMs, window.endMs)) {
      const result = await rollupMetrics(port, {
        org: ORG,
        dateint,
        fromFrequencyMs: fromMs,
        zstd,
        engine: 'typescript',
      });
      rowsRead += result.rowsRead;
    }
    tiers.push({ fromMs, toMs, rowsRead, cpuSeconds: cpuSeconds() - start });
  }
  return tiers;
}

/** The lake's Prometheus HTTP API over `port`, in this process (`cacheRows` undefined: the default). */
export function lakeServer(
  port: StoragePort,
  zstd: ZstdCodec,
  cacheRows?: number,
): Promise<ListeningLakeServer> {
  return createLakeServer(prometheusRoutes(port, { org: ORG, zstd, cacheRows })).listen();
}
