/**
 * OTLP traces in protobuf (`.binpb`, `.binpb.gz`, an OTLP/HTTP body): an `ExportTraceServiceRequest`, read
 * with the logs' bounds-checked wire reader one `ResourceSpans` at a time. Span events and links are
 * skipped (LakeRunner's span rows have no columns for them); every malformed input is `Corrupt`.
 */

import type { DecodedValue } from '../ingest/decoded.js';
import { readScope } from '../ingest/otlp-logs-protobuf.js';
import { addKeyValue, type OtlpMap, toDecodedRecord } from '../otlp/any-value.js';
import { readResource, requestResources, streamedResources } from '../otlp/envelope.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../otlp/frames.js';
import { type ProtoReader, WIRE } from '../otlp/wire.js';
import { type DecodedSpan, enumName, hexId, SPAN_KINDS, STATUS_CODES } from './decoded.js';

export interface OtlpTracesDecodeOptions {
  /** Names the input in errors (usually the object key). */
  source?: string;
  /** The largest `ResourceSpans` read into memory (default 64 MiB); a larger one is `Corrupt`. */
  maxFrameBytes?: number;
  signal?: AbortSignal;
}

const TRACE_NAMES = {
  request: 'ExportTraceServiceRequest.resource_spans',
  resource: 'ResourceSpans',
  scopes: 'scope_spans',
};

/**
 * The spans of an `ExportTraceServiceRequest` read from a stream of (already gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const span of decodeOtlpTracesProtobuf(chunks, { source: key })) rows.push(cookSpan(span, org));
 * ```
 */
export async function* decodeOtlpTracesProtobuf(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpTracesDecodeOptions = {},
): AsyncGenerator<DecodedSpan> {
  const source = options.source ?? 'OTLP traces request';
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  for await (const r of streamedResources(chunks, source, limit, options.signal)) yield* resourceSpans(r);
}

/**
 * The spans of an `ExportTraceServiceRequest` held in memory (an OTLP/HTTP request body).
 *
 * @example
 * ```ts
 * const spans = [...decodeOtlpTracesRequest(body)];
 * ```
 */
export function* decodeOtlpTracesRequest(
  bytes: Uint8Array,
  source = 'OTLP traces request',
): Generator<DecodedSpan> {
  for (const r of requestResources(bytes, source, TRACE_NAMES)) yield* resourceSpans(r);
}

function* resourceSpans(r: ProtoReader): Generator<DecodedSpan> {
  const { resource, scopes } = readResource(r, TRACE_NAMES);
  for (const scopeReader of scopes) {
    const scope: Record<string, DecodedValue> = Object.create(null);
    const spans: ProtoReader[] = [];
    while (scopeReader.more()) {
      const field = scopeReader.tag();
      const wire = scopeReader.wire;
      if (field === 1) {
        scopeReader.expect(wire, WIRE.bytes, 'ScopeSpans.scope');
        readScope(scopeReader.nested(), scope);
      } else if (field === 2) {
        scopeReader.expect(wire, WIRE.bytes, 'ScopeSpans.spans');
        spans.push(scopeReader.nested());
      } else scopeReader.skip(wire);
    }
    for (const span of spans) yield readSpan(span, resource, scope);
  }
}

function readSpan(
  r: ProtoReader,
  resource: Readonly<Record<string, DecodedValue>>,
  scope: Readonly<Record<string, DecodedValue>>,
): DecodedSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startNs = 0n;
  let endNs = 0n;
  let status: { code: number; message: string } = { code: 0, message: '' };
  const attributes: OtlpMap = new Map();
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    switch (field) {
      case 1:
      case 2:
      case 4: {
        r.expect(
          wire,
          WIRE.bytes,
          field === 1 ? 'Span.trace_id' : field === 2 ? 'Span.span_id' : 'Span.parent_span_id',
        );
        const id = hexId(r.bytes());
        if (field === 1) traceId = id;
        else if (field === 2) spanId = id;
        else parentSpanId = id;
        break;
      }
      case 5:
        r.expect(wire, WIRE.bytes, 'Span.name');
        name = r.string();
        break;
      case 6:
        r.expect(wire, WIRE.varint, 'Span.kind');
        kind = r.uint();
        break;
      case 7:
      case 8:
        r.expect(wire, WIRE.fixed64, field === 7 ? 'Span.start_time_unix_nano' : 'Span.end_time_unix_nano');
        if (field === 7) startNs = r.fixed64();
        else endNs = r.fixed64();
        break;
      case 9:
        r.expect(wire, WIRE.bytes, 'Span.attributes');
        addKeyValue(r.nested(), 0, attributes);
        break;
      case 15:
        r.expect(wire, WIRE.bytes, 'Span.status');
        status = readStatus(r.nested());
        break;
      default:
        r.skip(wire);
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: enumName(SPAN_KINDS, 'SPAN_KIND_', kind),
    statusCode: enumName(STATUS_CODES, 'STATUS_CODE_', status.code),
    statusMessage: status.message,
    startNs,
    endNs,
    resource,
    scope,
    attributes: toDecodedRecord(attributes),
  };
}

/** `Status`: message (2) and code (3); the deprecated code (1) is ignored as OTLP says. */
function readStatus(r: ProtoReader): { code: number; message: string } {
  let code = 0;
  let message = '';
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 2) {
      r.expect(wire, WIRE.bytes, 'Status.message');
      message = r.string();
    } else if (field === 3) {
      r.expect(wire, WIRE.varint, 'Status.code');
      code = r.uint();
    } else r.skip(wire);
  }
  return { code, message };
}
