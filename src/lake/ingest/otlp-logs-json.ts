/**
 * OTLP logs as JSON (`ExportLogsServiceRequest` in OTLP/JSON: lowerCamelCase or proto field names, 64-bit
 * integers as strings or numbers, enums as numbers or names, trace/span ids as hex, bytes as base64). A file
 * holds one request per line (the Collector's file and S3 exporters) or one pretty-printed request. Anything
 * that is not such a request is `Corrupt`.
 */
import { type BucketkitError, bkError } from '../../errors.js';
import { type OtlpMap, type OtlpValue, toBodyText, toDecodedRecord } from '../otlp/any-value.js';
import type { DecodedLog, DecodedValue } from './decoded.js';
import type { LogFormat } from './formats.js';
import { jsonRequests, jsonScopes, type OtlpJsonSignalNames } from './otlp-json-envelope.js';
import { levelOfSeverityNumber, toDecodedLog } from './otlp-logs-record.js';

export interface OtlpJsonOptions {
  /** Names the input in errors (usually the object key). */
  source?: string;
  /** The longest request (one line, or a whole pretty-printed file) read into memory; default 64 MiB. */
  maxRequestBytes?: number;
  signal?: AbortSignal;
}

type Json = { [key: string]: unknown };

const MAX_DEPTH = 64;

/** The OTLP JSON format entry for the dispatcher: `.json` keys whose content starts as an OTLP request. */
export const otlpLogsJsonFormat: LogFormat = {
  name: 'otlp-json',
  suffixes: ['.json'],
  gzip: true,
  sniff: looksLikeOtlpLogsJson,
  decode: (input) => decodeOtlpLogsJson(input.chunks(), { source: input.key, signal: input.signal }),
};

/**
 * True when the first bytes of a file open an OTLP logs request (`{` then a `resourceLogs` key).
 *
 * @example
 * ```ts
 * looksLikeOtlpLogsJson(new TextEncoder().encode('{"resourceLogs":[')); // true
 * ```
 */
export function looksLikeOtlpLogsJson(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head.subarray(0, 4096)).trimStart();
  return text.startsWith('{') && /^\{\s*"resource_?[lL]ogs"\s*:/.test(text);
}

/**
 * The log records of OTLP JSON requests read from a stream of (already gunzipped) chunks.
 *
 * @example
 * ```ts
 * for await (const log of decodeOtlpLogsJson(chunks, { source: key })) cook(log);
 * ```
 */
export async function* decodeOtlpLogsJson(
  chunks: AsyncIterable<Uint8Array>,
  options: OtlpJsonOptions = {},
): AsyncGenerator<DecodedLog> {
  const source = options.source ?? 'OTLP JSON logs';
  const max = options.maxRequestBytes ?? 64 * 1024 * 1024;
  const fail = (what: string) => corrupt(source, what);
  for await (const request of jsonRequests(chunks, { maxBytes: max, fail, signal: options.signal }))
    yield* decodeOtlpLogsJsonRequest(request, source);
}

function corrupt(source: string, what: string): BucketkitError {
  return bkError('Corrupt', `${source} is not valid OTLP JSON logs: ${what}`, { details: { key: source } });
}

/**
 * The log records of one parsed OTLP JSON `ExportLogsServiceRequest` (an OTLP/HTTP JSON request body).
 *
 * @example
 * ```ts
 * const logs = [...decodeOtlpLogsJsonRequest(JSON.parse(body))];
 * ```
 */
export function* decodeOtlpLogsJsonRequest(
  request: unknown,
  source = 'OTLP JSON logs',
): Generator<DecodedLog> {
  const reader = new JsonReader(source);
  for (const { resource, scopeJson, items } of jsonScopes(reader, request, LOG_NAMES)) {
    const scope = scopeJson ? reader.scope(scopeJson) : Object.create(null);
    for (const record of reader.array(items, 'logRecords', 'log_records')) {
      yield reader.record(reader.object(record, 'a LogRecord'), resource, scope);
    }
  }
}

const LOG_NAMES: OtlpJsonSignalNames = {
  resources: ['resourceLogs', 'resource_logs'],
  resource: 'a ResourceLogs',
  scopes: ['scopeLogs', 'scope_logs'],
  deprecatedScopes: ['instrumentationLibraryLogs', 'instrumentation_library_logs'],
  scope: 'a ScopeLogs',
};

const SEVERITY_NAME = /^SEVERITY_NUMBER_(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)([234]?)$/;
const SEVERITY_BASE: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 };

/** Typed access to the request's JSON, each wrong shape a `Corrupt` error naming what was expected. */
export class JsonReader {
  constructor(private readonly source: string) {}

  fail(what: string): BucketkitError {
    return corrupt(this.source, what);
  }

  get(object: Json, camel: string, snake: string): unknown {
    const value = object[camel];
    return value === undefined ? object[snake] : value;
  }

  object(value: unknown, what: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(`${what} is not a JSON object`);
    }
    return value as Json;
  }

  optionalObject(object: Json, camel: string, snake: string): Json | undefined {
    const value = this.get(object, camel, snake);
    return value === undefined || value === null ? undefined : this.object(value, camel);
  }

  array(object: Json, camel: string, snake: string): unknown[] {
    const value = this.get(object, camel, snake);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.fail(`${camel} is not an array`);
    return value;
  }

  string(object: Json, camel: string, snake: string): string {
    const value = this.get(object, camel, snake);
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw this.fail(`${camel} is not a string`);
    return value;
  }

  /** A uint64 (nanoseconds) given as a decimal string or a JSON number; 0 when absent. */
  nanos(object: Json, camel: string, snake: string): bigint {
    const value = this.get(object, camel, snake);
    if (value === undefined || value === null) return 0n;
    if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return BigInt(Math.trunc(value));
    throw this.fail(`${camel} is not an unsigned integer`);
  }

  keyValues(object: Json, depth = 0, camel = 'attributes'): OtlpMap {
    const map: OtlpMap = new Map();
    for (const item of this.array(object, camel, camel)) {
      const kv = this.object(item, 'a KeyValue');
      const value = this.get(kv, 'value', 'value');
      map.set(this.string(kv, 'key', 'key'), value == null ? null : this.anyValue(value, depth + 1));
    }
    return map;
  }

  anyValue(value: unknown, depth: number): OtlpValue {
    if (depth > MAX_DEPTH) throw this.fail(`values nested deeper than ${MAX_DEPTH}`);
    const any = this.object(value, 'an AnyValue');
    for (const key in any) {
      const item = any[key];
      switch (key) {
        case 'stringValue':
        case 'string_value':
          if (typeof item !== 'string') throw this.fail('stringValue is not a string');
          return item;
        case 'boolValue':
        case 'bool_value':
          if (typeof item !== 'boolean') throw this.fail('boolValue is not a boolean');
          return item;
        case 'intValue':
        case 'int_value':
          return this.int64(item);
        case 'doubleValue':
        case 'double_value':
          return this.double(item);
        case 'arrayValue':
        case 'array_value':
          return this.array(this.object(item, 'arrayValue'), 'values', 'values').map((v) =>
            v == null ? null : this.anyValue(v, depth + 1),
          );
        case 'kvlistValue':
        case 'kvlist_value':
          return this.keyValues(this.object(item, 'kvlistValue'), depth, 'values');
        case 'bytesValue':
        case 'bytes_value':
          return this.base64(item);
      }
    }
    return null;
  }

  int64(value: unknown): number | bigint {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
      const n = BigInt(value);
      if (n === BigInt.asIntN(64, n)) return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    }
    throw this.fail('intValue is not a 64-bit integer');
  }

  double(value: unknown): number {
    if (typeof value === 'number') return value;
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return Number(value);
    throw this.fail('doubleValue is not a number');
  }

  base64(value: unknown): Uint8Array {
    if (typeof value !== 'string') throw this.fail('bytesValue is not a base64 string');
    try {
      const binary = atob(value.replaceAll('-', '+').replaceAll('_', '/'));
      return Uint8Array.from(binary, (char) => char.charCodeAt(0));
    } catch {
      throw this.fail('bytesValue is not base64');
    }
  }

  /** Trace and span ids: hex as OTLP/JSON writes them (base64, protojson's default, is accepted too). */
  id(object: Json, camel: string, snake: string): Uint8Array | undefined {
    const text = this.string(object, camel, snake);
    if (text === '') return undefined;
    if (/^([0-9a-fA-F]{2})+$/.test(text))
      return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
    return this.base64(text);
  }

  scope(json: Json): Record<string, DecodedValue> {
    const scope: Record<string, DecodedValue> = Object.create(null);
    const name = this.string(json, 'name', 'name');
    const version = this.string(json, 'version', 'version');
    if (name) scope.name = name;
    if (version) scope.version = version;
    return toDecodedRecord(this.keyValues(json), scope);
  }

  severityNumber(json: Json): number {
    const value = this.get(json, 'severityNumber', 'severity_number');
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    const named = typeof value === 'string' ? SEVERITY_NAME.exec(value) : null;
    if (named) return SEVERITY_BASE[named[1]!]! + (named[2] ? Number(named[2]) - 1 : 0);
    if (value === 'SEVERITY_NUMBER_UNSPECIFIED') return 0;
    throw this.fail('severityNumber is not a severity number');
  }

  record(
    json: Json,
    resource: Record<string, DecodedValue>,
    scope: Record<string, DecodedValue>,
  ): DecodedLog {
    const body = this.get(json, 'body', 'body');
    const severityText = this.string(json, 'severityText', 'severity_text');
    return toDecodedLog(
      {
        timeUnixNano: this.nanos(json, 'timeUnixNano', 'time_unix_nano'),
        observedTimeUnixNano: this.nanos(json, 'observedTimeUnixNano', 'observed_time_unix_nano'),
        level: severityText || levelOfSeverityNumber(this.severityNumber(json)),
        body: toBodyText(body == null ? null : this.anyValue(body, 0)),
        attributes: this.keyValues(json),
        traceId: this.id(json, 'traceId', 'trace_id'),
        spanId: this.id(json, 'spanId', 'span_id'),
      },
      resource,
      scope,
    );
  }
}
