/**
 * OTLP traces as JSON (`ExportTraceServiceRequest` in OTLP/JSON): lowerCamelCase or proto field names, ids
 * as hex (OTLP/JSON) or base64 (protojson), 64-bit times as strings or numbers, kinds and status codes as
 * numbers or enum names. A file holds one request per line or one pretty-printed request; any other shape
 * is `Corrupt`.
 */
import { type BucketkitError, bkError } from '../../errors.js';
import { jsonRequests, jsonScopes, type OtlpJsonSignalNames } from '../ingest/otlp-json-envelope.js';
import { JsonReader } from '../ingest/otlp-logs-json.js';
import { toDecodedRecord } from '../otlp/any-value.js';
import { type DecodedSpan, enumName, hexId, SPAN_KINDS, STATUS_CODES } from './decoded.js';
import type { OtlpTracesDecodeOptions } from './otlp-protobuf.js';

type Json = { [key: string]: unknown };

class TracesJsonReader extends JsonReader {
  constructor(private readonly where: string) {
    super(where);
  }

  override fail(what: string): BucketkitError {
    return bkError('Corrupt', `${this.where} is not valid OTLP JSON traces: ${what}`, {
      details: { key: this.where },
    });
  }

  /** An enum given as its number or its name (`SPAN_KIND_SERVER`); absent is 0. */
  enumOf(object: Json, camel: string, snake: string, names: readonly string[], prefix: string): string {
    const value = this.get(object, camel, snake);
    if (value === undefined || value === null) return names[0]!;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0)
      return enumName(names, prefix, value);
    if (typeof value === 'string' && value.startsWith(prefix) && /^[A-Z0-9_]+$/.test(value)) return value;
    throw this.fail(`${camel} is not a ${prefix.slice(0, -1)} number or name`);
  }

  span(json: Json, resource: DecodedSpan['resource'], scope: DecodedSpan['scope']): DecodedSpan {
    const status = this.optionalObject(json, 'status', 'status') ?? {};
    return {
      traceId: hexId(this.id(json, 'traceId', 'trace_id')),
      spanId: hexId(this.id(json, 'spanId', 'span_id')),
      parentSpanId: hexId(this.id(json, 'parentSpanId', 'parent_span_id')),
      name: this.string(json, 'name', 'name'),
      kind: this.enumOf(json, 'kind', 'kind', SPAN_KINDS, 'SPAN_KIND_'),
      statusCode: this.enumOf(status, 'code', 'code', STATUS_CODES, 'STATUS_CODE_'),
      statusMessage: this.string(status, 'message', 'message'),
      startNs: this.nanos(json, 'startTimeUnixNano', 'start_time_unix_nano'),
      endNs: this.nanos(json, 'endTimeUnixNano', 'end_time_unix_nano'),
      resource,
      scope,
      attributes: toDecodedRecord(this.keyValues(json)),
    };
  }
}

const TRACE_NAMES: OtlpJsonSignalNames = {
  resources: ['resourceSpans', 'resource_spans'],
  resource: 'a ResourceSpans',
  scopes: ['scopeSpans', 'scope_spans'],
  deprecatedScopes: ['instrumentationLibrarySpans', 'instrumentation_library_spans'],
  scope: 'a ScopeSpans',
};

/**
 * The spans of OTLP JSON trace requests read from a stream of (gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const span of decodeOtlpTracesJson(chunks, { source: key })) use(span);
 * ```
 */
export async function* decodeOtlpTracesJson(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpTracesDecodeOptions = {},
): AsyncGenerator<DecodedSpan> {
  const source = options.source ?? 'OTLP JSON traces';
  const reader = new TracesJsonReader(source);
  const fail = (what: string) => reader.fail(what);
  const maxBytes = options.maxFrameBytes ?? 64 * 1024 * 1024;
  for await (const request of jsonRequests(chunks, { maxBytes, fail, signal: options.signal }))
    yield* decodeOtlpTracesJsonRequest(request, source);
}

/**
 * The spans of one parsed OTLP JSON `ExportTraceServiceRequest` (an OTLP/HTTP JSON body).
 *
 * @example
 * ```ts
 * const spans = [...decodeOtlpTracesJsonRequest(JSON.parse(body))];
 * ```
 */
export function* decodeOtlpTracesJsonRequest(
  request: unknown,
  source = 'OTLP JSON traces',
): Generator<DecodedSpan> {
  const reader = new TracesJsonReader(source);
  for (const { resource, scopeJson, items } of jsonScopes(reader, request, TRACE_NAMES)) {
    const scope = scopeJson ? reader.scope(scopeJson) : Object.create(null);
    for (const span of reader.array(items, 'spans', 'spans')) {
      yield reader.span(reader.object(span, 'a Span'), resource, scope);
    }
  }
}
