/**
 * The samples the PromQL comparison feeds to both the real Prometheus (as OpenMetrics for promtool's
 * backfill) and the lake (as remote-write requests): an hour of counters (one reset), gauges (one series
 * stopping half way) and a classic histogram, every series on its own 15 s phase so no two series share
 * timestamps and no 10 s bucket holds two samples. Values come from a seeded generator: the same every run.
 */
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import protobuf from 'protobufjs';

export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const INTERVAL_MS = 15_000;
export const SAMPLES = 240;

export interface JudgeSeries {
  name: string;
  labels: Record<string, string>;
  /** [ms, value] in time order. */
  samples: [number, number][];
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** The data set (deterministic). */
export function judgeSeries(): JudgeSeries[] {
  const random = xorshift(20260105);
  const out: JudgeSeries[] = [];
  let phase = 0;
  const nextPhase = () => {
    phase = (phase + 1237) % INTERVAL_MS;
    return phase;
  };
  for (const job of ['api', 'web'])
    for (const instance of ['i1', 'i2'])
      for (const code of ['200', '500']) {
        const offset = nextPhase();
        const samples: [number, number][] = [];
        let value = Math.floor(random() * 1000);
        for (let i = 0; i < SAMPLES; i++) {
          if (job === 'web' && instance === 'i2' && code === '200' && i === 120) value = 0; // a restart
          value += Math.floor(random() * (code === '200' ? 40 : 5));
          samples.push([T0 + offset + i * INTERVAL_MS, value]);
        }
        out.push({ name: 'http_requests_total', labels: { job, instance, code }, samples });
      }
  for (const room of ['r1', 'r2', 'r3']) {
    const offset = nextPhase();
    const samples: [number, number][] = [];
    let value = 18 + random() * 4;
    const count = room === 'r3' ? SAMPLES / 2 : SAMPLES;
    for (let i = 0; i < count; i++) {
      value += Math.round((random() - 0.5) * 100) / 100;
      samples.push([T0 + offset + i * INTERVAL_MS, Math.round(value * 100) / 100]);
    }
    out.push({ name: 'temperature', labels: { job: 'api', room }, samples });
  }
  const bounds = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];
  for (const job of ['api', 'web']) {
    const offset = nextPhase();
    const counts = bounds.map(() => 0);
    let sum = 0;
    const bucketSamples = bounds.map(() => [] as [number, number][]);
    const sumSamples: [number, number][] = [];
    const countSamples: [number, number][] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = T0 + offset + i * INTERVAL_MS;
      const n = Math.floor(random() * 20);
      for (let k = 0; k < n; k++) {
        const latency = Math.round(random() ** 3 * 1.5 * 1000) / 1000;
        sum += latency;
        bounds.forEach((b, j) => {
          if (latency <= Number(b === '+Inf' ? 'Infinity' : b)) counts[j]!++;
        });
      }
      for (let j = 0; j < bounds.length; j++) bucketSamples[j]!.push([t, counts[j]!]);
      sumSamples.push([t, Math.round(sum * 1000) / 1000]);
      countSamples.push([t, counts[counts.length - 1]!]);
    }
    bounds.forEach((le, j) => {
      out.push({ name: 'latency_seconds_bucket', labels: { job, le }, samples: bucketSamples[j]! });
    });
    out.push({ name: 'latency_seconds_sum', labels: { job }, samples: sumSamples });
    out.push({ name: 'latency_seconds_count', labels: { job }, samples: countSamples });
  }
  return out;
}

/** The series as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`. */
export function toOpenMetrics(series: readonly JudgeSeries[]): string {
  const lines: string[] = [];
  for (const name of [...new Set(series.map((s) => s.name))]) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of series.filter((x) => x.name === name)) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      for (const [ms, v] of s.samples) lines.push(`${name}{${labels}} ${v} ${(ms / 1000).toFixed(3)}`);
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

const WriteRequest = protobuf
  .parse(`
syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`)
  .root.lookupType('WriteRequest');

/** Snappy-compressed remote-write requests, one per `spanMs` of the data (by default the judge's hour). */
export function toRemoteWrite(
  series: readonly JudgeSeries[],
  spanMs: number,
  window = { startMs: T0, endMs: T0 + SAMPLES * INTERVAL_MS + INTERVAL_MS },
): Uint8Array[] {
  const requests: Uint8Array[] = [];
  for (let from = window.startMs; from < window.endMs; from += spanMs) {
    const timeseries = series
      .map((s) => ({
        labels: [
          { name: '__name__', value: s.name },
          ...Object.entries(s.labels).map(([name, value]) => ({ name, value })),
        ],
        samples: s.samples
          .filter(([t]) => t >= from && t < from + spanMs)
          .map(([t, value]) => ({ value, timestamp: t })),
      }))
      .filter((s) => s.samples.length > 0);
    if (timeseries.length === 0) continue;
    requests.push(snappyCompress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
  }
  return requests;
}
