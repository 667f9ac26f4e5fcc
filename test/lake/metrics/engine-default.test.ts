import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { receiverRoutes } from '../../../src/cli/lake-signals.js';
import { createLakeServer } from '../../../src/lake/http/index.js';
import type { EngineChoice } from '../../../src/lake/index.js';
import { ingestMetricsObject, openLake, readMetricDayIndex, rollupMetrics } from '../../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { serveLake } from '../lake-serve.js';
import { judgeSeries, T0, toRemoteWrite } from '../promql/judge-data.js';
import { encodeMetricsRequest, SAMPLE_METRICS } from './otlp-metrics-fixtures.js';

const _cli = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'index.ts');
const DUCKDB = /duckdb/i;
const TYPESCRIPT = /^bucketkit lake$/;
const HOUR = 3_600_000;
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function bucket(name: string): Promise<StoragePort & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `metric-engine-default-${name}-`));
  dirs.push(dir);
  return Object.assign(fileStorage(dir), { dir });
}

/** Runs `bucketkit lake serve` on the bucket, sends it one remote-write batch, and stops it. */
async function cliServe(dir: string, args: string[], body: Uint8Array): Promise<number> {
  const served = await serveLake(`file://${dir}`, ['--org', 'acme', ...args]);
  try {
    const res = await fetch(`${served.base}/api/v1/write`, {
      method: 'POST',
      body: Buffer.from(body),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    return res.status;
  } finally {
    served.child.kill('SIGTERM');
    expect(await served.exited, served.stderr()).toBe(0);
  }
}

/** `created_by` of every table of these days, by tier. */
async function writers(port: StoragePort, dateints: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const dateint of dateints) {
    const { index } = await readMetricDayIndex(port, 'acme', dateint);
    for (const s of index.segments) {
      const bytes = await (await port.get(s.table)).bytes();
      const list = out.get(s.frequencyMs) ?? [];
      list.push(parquetMetadata(bytes.slice().buffer).created_by ?? '');
      out.set(s.frequencyMs, list);
    }
  }
  return out;
}

const QUERIES = [
  'sum by (job) (rate(http_requests_total[5m]))',
  'avg_over_time(temperature[5m])',
  'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))',
];

/** Serves the lake the way `bucketkit lake serve` does, sends it metrics, and asks PromQL questions. */
async function serveAndAsk(choice: EngineChoice) {
  const port = await bucket(`serve-${choice}`);
  const lake = openLake(port, { engine: choice });
  const server = await createLakeServer(receiverRoutes(lake, port, 'acme')).listen(0, '127.0.0.1');
  try {
    for (const body of toRemoteWrite(judgeSeries(), HOUR / 2)) {
      const res = await fetch(`${server.url}/api/v1/write`, {
        method: 'POST',
        body: Buffer.from(body),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      });
      expect(res.status, await res.text()).toBe(204);
    }
    const otlp = await fetch(`${server.url}/v1/metrics`, {
      method: 'POST',
      body: Buffer.from(encodeMetricsRequest(SAMPLE_METRICS)),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(otlp.status, await otlp.text()).toBe(200);
    const answers = [];
    for (const query of QUERIES) {
      const params = new URLSearchParams({
        query,
        start: String((T0 + 10 * 60_000) / 1000),
        end: String((T0 + 55 * 60_000) / 1000),
        step: '60',
      });
      const res = await fetch(`${server.url}/api/v1/query_range?${params}`);
      answers.push(await res.json());
    }
    return { answers, writers: await writers(port, [20260102, 20260105]) };
  } finally {
    await server.close();
    await lake.close();
  }
}

describe('the engine that writes metric tables', () => {
  it("lake serve's remote-write and OTLP receivers write with the lake's engine; answers are the same", async () => {
    const auto = await serveAndAsk('auto');
    const typescript = await serveAndAsk('typescript');
    const tables = (w: Map<number, string[]>) => w.get(10_000) ?? [];
    expect(tables(auto.writers).length).toBeGreaterThanOrEqual(3); // two remote-write batches, one OTLP
    expect(tables(auto.writers).every((w) => DUCKDB.test(w))).toBe(true);
    expect(tables(typescript.writers).every((w) => TYPESCRIPT.test(w))).toBe(true);
    expect(tables(typescript.writers)).toHaveLength(tables(auto.writers).length);
    const series = auto.answers.map((a) => (a as { data: { result: unknown[] } }).data.result.length);
    expect(series.every((n) => n > 0)).toBe(true);
    expect(auto.answers).toEqual(typescript.answers);
  });

  it("ingestMetricsObject and rollupMetrics without an engine use 'auto'; 'typescript' is honoured", async () => {
    const [body] = toRemoteWrite(judgeSeries(), HOUR);
    const key = 'otel-raw/acme/prom/metrics_0.prw';
    for (const [choice, writer] of [
      [undefined, DUCKDB],
      ['auto', DUCKDB],
      ['typescript', TYPESCRIPT],
    ] as const) {
      const port = await bucket(`direct-${choice}`);
      await port.put(key, body!);
      const engine = choice === undefined ? {} : { engine: choice };
      const ingested = await ingestMetricsObject(port, key, { org: 'acme', ...engine });
      expect(ingested.segments).toHaveLength(1);
      const rolled = await rollupMetrics(port, { org: 'acme', dateint: 20260105, ...engine });
      expect(rolled.segment?.frequencyMs).toBe(60_000);
      const byTier = await writers(port, [20260105]);
      expect([...byTier.keys()].sort()).toEqual([10_000, 60_000]);
      for (const [tier, list] of byTier)
        expect(
          list.every((w) => writer.test(w)),
          `${choice} ${tier}: ${list}`,
        ).toBe(true);
    }
  });

  it('bucketkit lake serve writes remote-write tables with DuckDB by default, with TypeScript under --engine typescript', async () => {
    const [body] = toRemoteWrite(judgeSeries(), HOUR);
    for (const [args, writer] of [
      [[], DUCKDB],
      [['--engine', 'typescript'], TYPESCRIPT],
    ] as const) {
      const port = await bucket(`cli-${args.length}`);
      expect(await cliServe(port.dir, [...args], body!)).toBe(204);
      const tables = (await writers(port, [20260105])).get(10_000) ?? [];
      expect(tables).toHaveLength(1);
      expect(tables[0]).toMatch(writer);
    }
  });
});
