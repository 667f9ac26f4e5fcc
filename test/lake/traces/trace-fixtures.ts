/**
 * Spans made by the OpenTelemetry JS SDK itself (its tracer, with ids from a counter so runs are
 * reproducible) and OTLP requests encoded by the SDK's own serializers (`@opentelemetry/otlp-transformer`):
 * an encoder independent of the lake's decoders.
 */
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** 2026-01-02T03:04:05Z */
export const T0_MS = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Trace ids `0…0{n}` (32 hex) and span ids `00…{n}` (16 hex) from counters. */
export function counterIds(firstTrace = 1): IdGenerator {
  let traces = firstTrace;
  let spans = 1;
  return {
    generateTraceId: () => (traces++).toString(16).padStart(32, '0'),
    generateSpanId: () => (spans++).toString(16).padStart(16, '0'),
  };
}

/** A tracer provider for `service` sending spans to `processor`. */
export function provider(
  service: string,
  processor: SpanProcessor,
  ids: IdGenerator = counterIds(),
  resource: Record<string, string> = {},
) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...resource }),
    spanProcessors: [processor],
    idGenerator: ids,
  });
}

/**
 * One checkout request as a trace of four spans: an HTTP server span, a failed database call, a message
 * published and an internal step. `at` is the root's start, ms.
 */
export function recordCheckout(p: BasicTracerProvider, at: number, durationMs = 120): void {
  const tracer = p.getTracer('shop', '1.4.0');
  const root = tracer.startSpan('GET /cart/:id', {
    kind: SpanKind.SERVER,
    startTime: at,
    attributes: {
      'http.request.method': 'GET',
      'url.template': '/cart/:id',
      'http.response.status_code': 200,
    },
  });
  const inRoot = trace.setSpan(context.active(), root);
  const child = (
    name: string,
    kind: SpanKind,
    start: number,
    end: number,
    attributes: Record<string, string>,
  ) => {
    const span: Span = tracer.startSpan(name, { kind, startTime: start, attributes }, inRoot);
    return { span, end: () => span.end(end) };
  };
  const db = child('SELECT carts', SpanKind.CLIENT, at + 5, at + 25, {
    'db.system.name': 'postgresql',
    'db.namespace': 'shop',
    'db.operation.name': 'SELECT',
    'db.collection.name': 'carts',
    'server.address': 'db.internal',
  });
  db.span.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
  db.end();
  child('carts publish', SpanKind.PRODUCER, at + 30, at + 32, {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'publish',
    'messaging.destination.name': 'carts',
  }).end();
  child('render', SpanKind.INTERNAL, at + 40, at + durationMs - 1, {}).end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(at + durationMs);
}

/** Spans recorded by `record` through an in-memory exporter. */
export async function sdkSpans(
  record: (p: BasicTracerProvider) => void,
  service = 'checkout',
  ids: IdGenerator = counterIds(),
  resource: Record<string, string> = { 'k8s.namespace.name': 'prod' },
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const p = provider(service, new SimpleSpanProcessor(exporter), ids, resource);
  record(p);
  await p.forceFlush();
  const spans = exporter.getFinishedSpans();
  await p.shutdown();
  return spans;
}

/** The `ExportTraceServiceRequest` of `spans` as the SDK's protobuf exporter sends it. */
export function tracesProtobuf(spans: ReadableSpan[]): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(spans)!;
}

/** The same request as the SDK's OTLP/JSON exporter sends it. */
export function tracesJson(spans: ReadableSpan[]): Uint8Array {
  return JsonTraceSerializer.serializeRequest(spans)!;
}
