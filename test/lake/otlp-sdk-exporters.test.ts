/**
 * The lake's OTLP/HTTP receiver fed by the OpenTelemetry JS SDK's own exporters, over real HTTP on the
 * file port: traces (protobuf, and JSON with gzip), logs and metrics (protobuf) are queryable once the
 * exporter's flush returns; a trace exporter faster than the lake gets 503 + Retry-After, retries by
 * itself, and every span it was acknowledged for is in the lake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPTraceJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeServer,
  type LakeRoute,
  type ListeningLakeServer,
  otlpLogsRoute,
  otlpMetricsRoute,
  otlpTracesRoute,
} from '../../src/lake/http/index.js';
import { type Lake, openLake, readMetricRows } from '../../src/lake/index.js';
import { fileStorage, type PutOptions, type StoragePort } from '../../src/storage/index.js';
import { counterIds, provider, recordCheckout, sdkSpans, T0_MS } from './traces/trace-fixtures.js';

let dir: string;
let port: StoragePort;
let lake: Lake;
let server: ListeningLakeServer;
let gate: Promise<void> | undefined;
const statuses: number[] = [];

/** Records every answer's status. */
function counted(route: LakeRoute): LakeRoute {
  return {
    ...route,
    handler: (req, res) => {
      res.on('finish', () => statuses.push(res.statusCode));
      return route.handler(req, res);
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-otlp-sdk-'));
  const files = fileStorage(join(dir, 'bucket'));
  // raw writes can be held back, to make the lake slower than its client
  port = Object.assign(Object.create(files) as StoragePort, {
    put: async (key: string, body: Parameters<StoragePort['put']>[1], options?: PutOptions) => {
      if (key.startsWith('otel-raw/') && gate) await gate;
      return files.put(key, body, options);
    },
  });
  lake = openLake(port);
  server = await createLakeServer([
    counted(otlpTracesRoute(port, { org: 'acme', maxInFlight: 1 })),
    otlpLogsRoute(lake, port, { org: 'acme' }),
    otlpMetricsRoute(port, { org: 'acme' }),
  ]).listen();
});

afterAll(async () => {
  await server.close();
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

const traceHex = (n: number) => n.toString(16).padStart(32, '0');

describe('OpenTelemetry JS SDK exporters into the lake', () => {
  it('traces over protobuf and over gzipped JSON', async () => {
    const exporters = [
      new OTLPTraceExporter({ url: `${server.url}/v1/traces` }),
      new OTLPTraceJsonExporter({ url: `${server.url}/v1/traces`, compression: 'gzip' as never }),
    ];
    for (const [i, exporter] of exporters.entries()) {
      // one export request per exporter (the route admits one at a time; the next test covers refusals)
      const sent = await sdkSpans(
        (p) => recordCheckout(p, T0_MS + i * 1000),
        'checkout',
        counterIds(100 + i),
      );
      const result = await new Promise<ExportResult>((resolve) => exporter.export(sent, resolve));
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
      const { spans } = await lake.trace(traceHex(100 + i), { org: 'acme', from: T0_MS, to: T0_MS + 60_000 });
      expect(spans.map((s) => [s.span_name, s.span_kind])).toEqual([
        ['GET /cart/:id', 'SPAN_KIND_SERVER'],
        ['SELECT carts', 'SPAN_KIND_CLIENT'],
        ['carts publish', 'SPAN_KIND_PRODUCER'],
        ['render', 'SPAN_KIND_INTERNAL'],
      ]);
      expect(spans[0]!.fields.resource_service_name).toBe('checkout');
    }
    const raw: string[] = [];
    for await (const e of port.list({ prefix: 'otel-raw/acme/otlp-http/' }))
      if (e.type === 'object') raw.push(e.key);
    expect(raw.some((k) => /\/traces_[0-9a-f]{32}\.binpb$/.test(k))).toBe(true);
    expect(raw.some((k) => /\/traces_[0-9a-f]{32}\.json\.gz$/.test(k))).toBe(true);
  });

  it('a trace exporter faster than the lake gets 503, retries, and loses nothing', async () => {
    statuses.length = 0;
    let release: () => void = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const p = provider(
      'burst',
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${server.url}/v1/traces` })),
      counterIds(200),
    );
    const tracer = p.getTracer('burst');
    // each span ends in its own export request, sent at once: one is held, the others are refused
    for (let i = 0; i < 4; i++)
      tracer.startSpan(`step ${i}`, { kind: SpanKind.INTERNAL, startTime: T0_MS + i }).end(T0_MS + i + 5);
    const flushed = p.forceFlush();
    while (!statuses.includes(503)) await new Promise((r) => setTimeout(r, 20));
    gate = undefined;
    release();
    await flushed;
    await p.shutdown();
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    const { spans } = await lake.spans({ org: 'acme', from: T0_MS, to: T0_MS + 1000, service: 'burst' });
    expect(spans.map((s) => s.span_name).sort()).toEqual(['step 0', 'step 1', 'step 2', 'step 3']);
  });

  it('logs over protobuf', async () => {
    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      processors: [
        new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${server.url}/v1/logs` }) }),
      ],
    });
    const logger = logs.getLogger('shop');
    logger.emit({
      body: 'cart 17 checked out',
      severityText: 'INFO',
      timestamp: T0_MS,
      attributes: { cart: 17 },
    });
    logger.emit({ body: 'payment declined', severityText: 'WARN', timestamp: T0_MS + 5 });
    await logs.forceFlush();
    await logs.shutdown();
    const rows = [];
    for await (const row of lake.logs({ org: 'acme', from: T0_MS, to: T0_MS + 1000, order: 'forward' }))
      rows.push(row);
    expect(rows.map((r) => [r.log_level, r.log_message, r.resource_service_name])).toEqual([
      ['INFO', 'cart 17 checked out', 'checkout'],
      ['WARN', 'payment declined', 'checkout'],
    ]);
  });

  it('metrics over protobuf', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${server.url}/v1/metrics` }),
      exportIntervalMillis: 3_600_000,
    });
    const meters = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [reader],
    });
    const carts = meters.getMeter('shop').createCounter('carts.checked_out');
    carts.add(3, { region: 'eu' });
    carts.add(4, { region: 'eu' });
    const before = Date.now();
    await meters.forceFlush();
    await meters.shutdown();
    const { rows } = await readMetricRows(port, {
      org: 'acme',
      fromMs: before - 3_600_000,
      toMs: Date.now() + 60_000,
      metricName: 'carts_checked_out',
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.at(-1)).toMatchObject({
      chq_metric_type: 'count',
      chq_value: 7,
      fields: { attr_region: 'eu', resource_service_name: 'checkout' },
    });
  });
});
