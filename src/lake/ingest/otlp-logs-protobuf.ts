/**
 * OTLP logs in protobuf (`.binpb`, `.binpb.gz`): an `ExportLogsServiceRequest`, as the OpenTelemetry
 * Collector's S3 exporter writes one per object (`marshaler: otlp_proto`). Read with a small bounds-checked
 * wire reader (src/lake/otlp/), one `ResourceLogs` at a time, so memory stays bounded whatever the file size
 * and every malformed input is a `Corrupt` error. Why not a protobuf library: see src/lake/docs/otlp-logs.md.
 */
import {
  addKeyValue,
  decodeAnyValue,
  type OtlpMap,
  type OtlpValue,
  toBodyText,
  toDecodedRecord,
} from '../otlp/any-value.js';
import { readResource, requestResources, streamedResources } from '../otlp/envelope.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../otlp/frames.js';
import { type ProtoReader, WIRE } from '../otlp/wire.js';
import type { DecodedLog, DecodedValue } from './decoded.js';
import type { LogFormat } from './formats.js';
import { levelOfSeverityNumber, type OtlpRecordParts, toDecodedLog } from './otlp-logs-record.js';

export interface OtlpProtobufOptions {
  /** Names the input in errors (usually the object key). */
  source?: string;
  /** The largest `ResourceLogs` read into memory (default 64 MiB); a larger one is `Corrupt`. */
  maxResourceLogsBytes?: number;
  signal?: AbortSignal;
}

/** The OTLP protobuf format entry for the dispatcher (`.binpb`, `.binpb.gz`). */
export const otlpLogsProtobufFormat: LogFormat = {
  name: 'otlp-proto',
  suffixes: ['.binpb'],
  gzip: true,
  decode: (input) => decodeOtlpLogsProtobuf(input.chunks(), { source: input.key, signal: input.signal }),
};

/**
 * The log records of an `ExportLogsServiceRequest` read from a stream of (already gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const log of decodeOtlpLogsProtobuf(gunzipped(chunks), { source: key })) cook(log);
 * ```
 */
export async function* decodeOtlpLogsProtobuf(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpProtobufOptions = {},
): AsyncGenerator<DecodedLog> {
  const source = options.source ?? 'OTLP logs request';
  const limit = options.maxResourceLogsBytes ?? DEFAULT_MAX_FRAME_BYTES;
  for await (const r of streamedResources(chunks, source, limit, options.signal)) yield* resourceLogs(r);
}

/**
 * The log records of an `ExportLogsServiceRequest` held in memory (an OTLP/HTTP request body).
 *
 * @example
 * ```ts
 * const logs = [...decodeOtlpLogsRequest(new Uint8Array(await request.arrayBuffer()))];
 * ```
 */
export function* decodeOtlpLogsRequest(
  bytes: Uint8Array,
  source = 'OTLP logs request',
): Generator<DecodedLog> {
  for (const r of requestResources(bytes, source, LOG_NAMES)) yield* resourceLogs(r);
}

const LOG_NAMES = {
  request: 'ExportLogsServiceRequest.resource_logs',
  resource: 'ResourceLogs',
  scopes: 'scope_logs',
};

/** One `ResourceLogs`: its resource is read first (wherever it sits), then each `ScopeLogs`. */
function* resourceLogs(r: ProtoReader): Generator<DecodedLog> {
  const { resource, scopes } = readResource(r, LOG_NAMES);
  for (const scope of scopes) yield* scopeLogs(scope, resource);
}

function* scopeLogs(r: ProtoReader, resource: Readonly<Record<string, DecodedValue>>): Generator<DecodedLog> {
  const scope: Record<string, DecodedValue> = Object.create(null);
  const records: ProtoReader[] = [];
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, 'ScopeLogs.scope');
      readScope(r.nested(), scope);
    } else if (field === 2) {
      r.expect(wire, WIRE.bytes, 'ScopeLogs.log_records');
      records.push(r.nested());
    } else r.skip(wire);
  }
  for (const record of records) yield toDecodedLog(readRecord(record), resource, scope);
}

/** `InstrumentationScope`: name, version and attributes, into one record (`name`, `version` first); traces share it. */
export function readScope(r: ProtoReader, scope: Record<string, DecodedValue>): void {
  const attributes: OtlpMap = new Map();
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1 || field === 2) {
      r.expect(wire, WIRE.bytes, field === 1 ? 'InstrumentationScope.name' : 'InstrumentationScope.version');
      const text = r.string();
      if (text) scope[field === 1 ? 'name' : 'version'] = text;
    } else if (field === 3) {
      r.expect(wire, WIRE.bytes, 'InstrumentationScope.attributes');
      addKeyValue(r.nested(), 0, attributes);
    } else r.skip(wire);
  }
  toDecodedRecord(attributes, scope);
}

function readRecord(r: ProtoReader): OtlpRecordParts {
  let time = 0n;
  let observed = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: OtlpValue = null;
  const attributes: OtlpMap = new Map();
  let traceId: Uint8Array | undefined;
  let spanId: Uint8Array | undefined;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    switch (field) {
      case 1:
        r.expect(wire, WIRE.fixed64, 'LogRecord.time_unix_nano');
        time = r.fixed64();
        break;
      case 11:
        r.expect(wire, WIRE.fixed64, 'LogRecord.observed_time_unix_nano');
        observed = r.fixed64();
        break;
      case 2:
        r.expect(wire, WIRE.varint, 'LogRecord.severity_number');
        severityNumber = r.uint();
        break;
      case 3:
        r.expect(wire, WIRE.bytes, 'LogRecord.severity_text');
        severityText = r.string();
        break;
      case 5:
        r.expect(wire, WIRE.bytes, 'LogRecord.body');
        body = decodeAnyValue(r.nested());
        break;
      case 6:
        r.expect(wire, WIRE.bytes, 'LogRecord.attributes');
        addKeyValue(r.nested(), 0, attributes);
        break;
      case 9:
        r.expect(wire, WIRE.bytes, 'LogRecord.trace_id');
        traceId = r.bytes();
        break;
      case 10:
        r.expect(wire, WIRE.bytes, 'LogRecord.span_id');
        spanId = r.bytes();
        break;
      default:
        r.skip(wire);
    }
  }
  return {
    timeUnixNano: time,
    observedTimeUnixNano: observed,
    level: severityText || levelOfSeverityNumber(severityNumber),
    body: toBodyText(body),
    attributes,
    traceId,
    spanId,
  };
}
