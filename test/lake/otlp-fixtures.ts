/**
 * OTLP logs requests encoded by protobufjs from the official .proto files (test/lake/otlp-proto/), an
 * encoder independent of the lake's wire reader, plus the records a correct decoder must give for them.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { DecodedLog } from '../../src/lake/index.js';

const protoDir = join(import.meta.dirname, 'otlp-proto');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir, target);
root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto', { keepCase: false });
// fields OTLP added after the vendored version
root
  .lookupType('opentelemetry.proto.common.v1.InstrumentationScope')
  .add(new protobuf.Field('attributes', 3, 'opentelemetry.proto.common.v1.KeyValue', 'repeated'));
root.lookupType('opentelemetry.proto.logs.v1.LogRecord').add(new protobuf.Field('eventName', 12, 'string'));
root.resolveAll();

export const ExportLogsServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
);

/** protobufjs's bytes for a request given as a plain object (protobufjs field names, camelCase). */
export function encodeRequest(request: object): Uint8Array {
  const message = ExportLogsServiceRequest.fromObject(request);
  return ExportLogsServiceRequest.encode(message).finish();
}

/**
 * The request as OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): protojson's
 * mapping by protobufjs (64-bit integers as decimal strings, enums as numbers, bytes as base64), except the
 * trace and span ids, which OTLP writes as hex.
 */
export function requestAsOtlpJson(request: object): string {
  const message = ExportLogsServiceRequest.fromObject(request);
  const json = ExportLogsServiceRequest.toObject(message, { longs: String, enums: Number, bytes: String });
  for (const resourceLogs of json.resourceLogs ?? []) {
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        for (const id of ['traceId', 'spanId']) {
          if (record[id]) record[id] = Buffer.from(record[id], 'base64').toString('hex');
        }
      }
    }
  }
  return JSON.stringify(json);
}

const str = (stringValue: string) => ({ stringValue });
const TRACE = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
const SPAN = Buffer.from('00f067aa0ba902b7', 'hex');

/** A request exercising every value type, both time fields, severity by text and by number, two scopes. */
export const SAMPLE_REQUEST = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: str('checkout') },
          { key: 'host.cpu', value: { intValue: '8' } },
          { key: 'big', value: { intValue: '-9223372036854775808' } },
          { key: 'ratio', value: { doubleValue: 0.25 } },
          { key: 'on', value: { boolValue: true } },
          {
            key: 'tags',
            value: { arrayValue: { values: [str('a'), { intValue: '2' }, { boolValue: false }] } },
          },
          { key: 'k8s', value: { kvlistValue: { values: [{ key: 'pod', value: str('p-1') }] } } },
          { key: 'raw', value: { bytesValue: Buffer.from([0, 1, 254, 255]) } },
          { key: 'empty', value: {} },
          { key: '__proto__', value: str('just a key') },
        ],
      },
      scopeLogs: [
        {
          scope: {
            name: 'io.app.logger',
            version: '1.2.0',
            attributes: [{ key: 'lib', value: str('pino') }],
          },
          logRecords: [
            {
              timeUnixNano: '1767225600123456789',
              observedTimeUnixNano: '1767225601000000000',
              severityNumber: 9,
              severityText: 'Information',
              body: str('user 42 logged in'),
              attributes: [
                { key: 'user.id', value: { intValue: '42' } },
                { key: 'http.status', value: { intValue: '200' } },
              ],
              traceId: TRACE,
              spanId: SPAN,
              flags: 1,
              droppedAttributesCount: 3,
              eventName: 'login',
            },
            {
              observedTimeUnixNano: '1767225602000000000',
              severityNumber: 17,
              body: {
                kvlistValue: {
                  values: [
                    { key: 'msg', value: str('boom') },
                    { key: 'n', value: { doubleValue: 1.5 } },
                  ],
                },
              },
            },
          ],
        },
        {
          scope: { name: 'second' },
          logRecords: [
            { body: { intValue: '7' } },
            { body: { arrayValue: { values: [str('x'), { kvlistValue: { values: [] } }] } } },
            { body: { bytesValue: Buffer.from('hi') }, severityText: 'warn' },
            {},
          ],
        },
      ],
    },
    {
      resource: {},
      scopeLogs: [{ logRecords: [{ body: str('no resource attributes'), timeUnixNano: '1' }] }],
    },
  ],
};

const nullRecord = <T extends object>(entries: T): T => Object.assign(Object.create(null), entries);

const SAMPLE_RESOURCE = nullRecord({
  'service.name': 'checkout',
  'host.cpu': 8,
  big: -9223372036854775808n,
  ratio: 0.25,
  on: true,
  tags: '["a",2,false]',
  k8s: '{"pod":"p-1"}',
  raw: 'AAH+/w==',
  empty: null,
});
Object.defineProperty(SAMPLE_RESOURCE, '__proto__', { value: 'just a key', enumerable: true });

/** The `DecodedLog`s `SAMPLE_REQUEST` holds. */
export const SAMPLE_LOGS: DecodedLog[] = [
  {
    timestampNs: 1767225600123456789n,
    message: 'user 42 logged in',
    level: 'Information',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'io.app.logger', version: '1.2.0', lib: 'pino' }),
    attributes: nullRecord({ 'user.id': 42, 'http.status': 200 }),
    columns: nullRecord({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' }),
  },
  {
    timestampNs: 1767225602000000000n,
    message: '{"msg":"boom","n":1.5}',
    level: 'ERROR',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'io.app.logger', version: '1.2.0', lib: 'pino' }),
    attributes: nullRecord({}),
  },
  {
    message: '7',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'second' }),
    attributes: nullRecord({}),
  },
  {
    message: '["x",{}]',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'second' }),
    attributes: nullRecord({}),
  },
  {
    message: 'aGk=',
    level: 'warn',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'second' }),
    attributes: nullRecord({}),
  },
  {
    message: '',
    resource: SAMPLE_RESOURCE,
    scope: nullRecord({ name: 'second' }),
    attributes: nullRecord({}),
  },
  {
    timestampNs: 1n,
    message: 'no resource attributes',
    resource: nullRecord({}),
    scope: nullRecord({}),
    attributes: nullRecord({}),
  },
];

/** `n` small records under one resource, for chunking and truncation tests. */
export function manyRecords(n: number): object {
  return {
    resourceLogs: Array.from({ length: Math.ceil(n / 10) }, (_, r) => ({
      resource: { attributes: [{ key: 'service.name', value: str(`svc-${r}`) }] },
      scopeLogs: [
        {
          scope: { name: 'bulk' },
          logRecords: Array.from({ length: Math.min(10, n - r * 10) }, (_, i) => ({
            timeUnixNano: String(1767225600000000000n + BigInt(r * 10 + i)),
            severityText: 'INFO',
            body: str(`record ${r * 10 + i}`),
          })),
        },
      ],
    })),
  };
}
