/**
 * The benchmark's metrics data set: the judge's metric names and labels (so its query list applies) at a
 * larger scale — per instance four `http_requests_total` counters (job × code, resets now and then), two
 * `temperature` gauges (a random walk with two decimals) and a classic histogram `latency_seconds`
 * (6 buckets, sum, count) per job — every series scraped each `intervalMs` on its own phase. Deterministic
 * (seeded), so every run and both systems see the same samples.
 */
import type { JudgeSeries } from '../test/lake/promql/judge-data.js';

export type SeriesKind = 'counter' | 'gauge' | 'histogram';

export interface BenchSeries extends JudgeSeries {
  kind: SeriesKind;
}

export interface BenchDataOptions {
  /** Instances per job (`i1`…`iN`). */
  instances: number;
  /** First sample, ms. */
  startMs: number;
  hours: number;
  intervalMs: number;
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

const BOUNDS = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];

/** The data set: 16 series per instance and job pair (4 counters, 2 gauges... see the file comment). */
export function benchSeries(options: BenchDataOptions): BenchSeries[] {
  const random = xorshift(20261206);
  const samples = Math.floor((options.hours * 3_600_000) / options.intervalMs);
  const out: BenchSeries[] = [];
  let phase = 0;
  const nextPhase = () => {
    phase = (phase + 1237) % options.intervalMs;
    return phase;
  };
  const times = (offset: number) =>
    Array.from({ length: samples }, (_, i) => options.startMs + offset + i * options.intervalMs);
  for (const job of ['api', 'web'])
    for (let n = 1; n <= options.instances; n++) {
      const instance = `i${n}`;
      for (const code of ['200', '500']) {
        let value = Math.floor(random() * 1000);
        const points = times(nextPhase()).map((t): [number, number] => {
          if (random() < 1 / 2000) value = 0; // a restart, about one per series in 8 h
          value += Math.floor(random() * (code === '200' ? 40 : 5));
          return [t, value];
        });
        out.push({
          kind: 'counter',
          name: 'http_requests_total',
          labels: { job, instance, code },
          samples: points,
        });
      }
      for (const side of ['a', 'b']) {
        let value = 18 + random() * 4;
        const points = times(nextPhase()).map((t): [number, number] => {
          value += Math.round((random() - 0.5) * 100) / 100;
          return [t, Math.round(value * 100) / 100];
        });
        const room = `r${n}${side}`;
        out.push({ kind: 'gauge', name: 'temperature', labels: { job, room, instance }, samples: points });
      }
      out.push(...histogram(random, times(nextPhase()), { job, instance }));
    }
  return out;
}

function histogram(random: () => number, at: number[], labels: Record<string, string>): BenchSeries[] {
  const counts = BOUNDS.map(() => 0);
  let sum = 0;
  const buckets = BOUNDS.map(() => [] as [number, number][]);
  const sums: [number, number][] = [];
  const totals: [number, number][] = [];
  for (const t of at) {
    const n = Math.floor(random() * 20);
    for (let k = 0; k < n; k++) {
      const latency = Math.round(random() ** 3 * 1.5 * 1000) / 1000;
      sum += latency;
      BOUNDS.forEach((b, j) => {
        if (latency <= (b === '+Inf' ? Number.POSITIVE_INFINITY : Number(b))) counts[j]!++;
      });
    }
    for (let j = 0; j < BOUNDS.length; j++) buckets[j]!.push([t, counts[j]!]);
    sums.push([t, Math.round(sum * 1000) / 1000]);
    totals.push([t, counts[counts.length - 1]!]);
  }
  const kind = 'histogram' as const;
  return [
    ...BOUNDS.map((le, j) => ({
      kind,
      name: 'latency_seconds_bucket',
      labels: { ...labels, le },
      samples: buckets[j]!,
    })),
    { kind, name: 'latency_seconds_sum', labels, samples: sums },
    { kind, name: 'latency_seconds_count', labels, samples: totals },
  ];
}

/** Samples in a data set. */
export function sampleCount(series: readonly JudgeSeries[]): number {
  return series.reduce((n, s) => n + s.samples.length, 0);
}
