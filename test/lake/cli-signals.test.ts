/**
 * `bucketkit lake` for metrics and traces as a user runs it: ingest picks the signal from the file name,
 * `lake traces` prints a trace as a tree and searches spans, `lake promql` answers PromQL, `lake sql` answers
 * from DuckDB, and
 * `lake serve` takes spans from the OpenTelemetry SDK's exporter on /v1/traces.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/index.js';
import { serveLake } from './lake-serve.js';
import { at, encodeMetricsRequest } from './metrics/otlp-metrics-fixtures.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesProtobuf } from './traces/trace-fixtures.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args]);
const traceHex = (n: number) => n.toString(16).padStart(32, '0');
const from = new Date(T0_MS - 60_000).toISOString();
const to = new Date(T0_MS + 3_600_000).toISOString();

describe('bucketkit lake ingest|traces|promql|sql|serve for metrics and traces', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-cli-signals-'));
    url = `file://${dir}`;
    const port = fileStorage(dir);
    const spans = await sdkSpans((p) => {
      for (let i = 0; i < 3; i++) recordCheckout(p, T0_MS + i * 60_000, 100 + 30 * i);
    });
    await port.put('otel-raw/acme/c1/traces_1.binpb.gz', gzipSync(tracesProtobuf(spans)));
    const gauge = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: at(0), asDouble: 4 }] } },
              ],
            },
          ],
        },
      ],
    };
    await port.put('otel-raw/acme/c1/metrics_1.binpb', encodeMetricsRequest(gauge));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ingest takes each file as the signal its name says, once', async () => {
    const keys = ['otel-raw/acme/c1/traces_1.binpb.gz', 'otel-raw/acme/c1/metrics_1.binpb'];
    const first = await bucketkit('lake', 'ingest', url, ...keys);
    expect(first.stdout).toBe(
      'otel-raw/acme/c1/traces_1.binpb.gz: 12 spans, 1 segments\notel-raw/acme/c1/metrics_1.binpb: 1 points, 1 rows, 1 segments\n',
    );
    const again = await bucketkit('lake', 'ingest', url, ...keys);
    expect(again.stdout).toBe(keys.map((k) => `${k}: already ingested\n`).join(''));
  }, 120_000);

  it('traces --trace prints the trace as a tree', async () => {
    const { stdout, stderr } = await bucketkit(
      'lake',
      'traces',
      url,
      '--org',
      'acme',
      '--trace',
      traceHex(1),
    );
    expect(stdout).toBe(
      [
        '+0ms 100ms checkout GET /cart/:id [SERVER] OK',
        '  +5ms 20ms checkout SELECT carts [CLIENT] ERROR: deadlock detected',
        '  +30ms 2ms checkout carts publish [PRODUCER] UNSET',
        '  +40ms 59ms checkout render [INTERNAL] UNSET',
        '',
      ].join('\n'),
    );
    expect(stderr).toContain('4 spans; 1 of 1 segments read, 1 day indexes');
    const missing = await bucketkit('lake', 'traces', url, '--org', 'acme', '--trace', traceHex(99)).catch(
      (e) => e,
    );
    expect(missing.code).toBe(3);
  }, 120_000);

  it('traces searches by service, name and duration', async () => {
    const { stdout } = await bucketkit(
      'lake',
      'traces',
      url,
      '--org',
      'acme',
      '--from',
      from,
      '--to',
      to,
      '--service',
      'checkout',
      '--name',
      'GET /cart/:id',
      '--min-duration',
      '130ms',
      '--json',
    );
    const spans = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(spans.map((s) => [s.span_trace_id, s.span_duration])).toEqual([
      [traceHex(3), 160],
      [traceHex(2), 130],
    ]);
    const errors = await bucketkit(
      'lake',
      'traces',
      url,
      '--org',
      'acme',
      '--from',
      from,
      '--to',
      to,
      '--status',
      'error',
    );
    expect(errors.stdout.trim().split('\n')).toHaveLength(3);
  }, 120_000);

  it('sql answers from DuckDB over the range', async () => {
    const { stdout } = await bucketkit(
      'lake',
      'sql',
      url,
      '--org',
      'acme',
      '--signal',
      'traces',
      '--from',
      from,
      '--to',
      to,
      'SELECT span_name, count(*) AS n, sum(span_duration) AS total FROM traces GROUP BY 1 ORDER BY 1',
    );
    expect(stdout).toBe(
      'span_name\tn\ttotal\nGET /cart/:id\t3\t390\nSELECT carts\t3\t60\ncarts publish\t3\t6\nrender\t3\t267\n',
    );
    const metrics = await bucketkit(
      'lake',
      'sql',
      url,
      '--org',
      'acme',
      '--signal',
      'metrics',
      '--from',
      from,
      '--to',
      to,
      '--json',
      'SELECT metric_name, chq_value FROM metrics',
    );
    expect(JSON.parse(metrics.stdout)).toEqual({ metric_name: 'queue_depth', chq_value: 4 });
  }, 120_000);

  it('promql answers instant and range queries over the metrics; a bad query is a one-line error, exit 1', async () => {
    const t = (s: number) => new Date(T0_MS + s * 1000).toISOString();
    const instant = await bucketkit(
      'lake',
      'promql',
      url,
      '--org',
      'acme',
      '--to',
      t(60),
      '--json',
      'queue_depth',
    );
    const sample = JSON.parse(instant.stdout) as { metric: Record<string, string>; t: number; value: number };
    expect(sample).toMatchObject({ t: T0_MS + 60_000, value: 4 });
    expect(sample.metric.__name__).toBe('queue_depth');
    const ranged = await bucketkit(
      'lake',
      'promql',
      url,
      '--org',
      'acme',
      '--from',
      t(60),
      '--to',
      t(180),
      '--step',
      '1m',
      '--json',
      'max(queue_depth) * 2',
    );
    expect(
      ranged.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: number; value: number }),
    ).toEqual([
      { metric: {}, t: T0_MS + 60_000, value: 8 },
      { metric: {}, t: T0_MS + 120_000, value: 8 },
      { metric: {}, t: T0_MS + 180_000, value: 8 },
    ]);
    const bad = await bucketkit('lake', 'promql', url, '--org', 'acme', 'sum(').catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('serve takes spans from the SDK exporter on /v1/traces, in the org X-Scope-OrgID names', async () => {
    const served = await serveLake(url);
    const endpoint = served.base;
    const exporter = new OTLPTraceExporter({
      url: `${endpoint}/v1/traces`,
      headers: { 'X-Scope-OrgID': 'beta' },
    });
    const sent = await sdkSpans((p) => recordCheckout(p, T0_MS), 'checkout', counterIds(500));
    const result = await new Promise<ExportResult>((resolve) => exporter.export(sent, resolve));
    await exporter.shutdown();
    // the Prometheus API is mounted too: the metric ingested above, in org acme
    const labels = await fetch(
      `${endpoint}/api/v1/label/__name__/values?start=${T0_MS / 1000 - 60}&end=${T0_MS / 1000 + 3600}`,
      {
        headers: { 'X-Scope-OrgID': 'acme' },
      },
    );
    const answer = labels.status === 200 ? await labels.json() : await labels.text();
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(answer).toEqual({ status: 'success', data: ['queue_depth'] });
    const { stdout } = await bucketkit('lake', 'traces', url, '--org', 'beta', '--trace', traceHex(500));
    expect(stdout.split('\n')[0]).toBe('+0ms 120ms checkout GET /cart/:id [SERVER] OK');
  }, 120_000);
});
