/**
 * OTLP metrics requests encoded by protobufjs, an encoder independent of the lake's wire reader. The
 * metric messages are declared here from the OTLP 1.x specification's field numbers (the common and
 * resource messages come from the vendored official files in test/lake/otlp-proto/).
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';

const METRICS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.metrics.v1;
import "opentelemetry/proto/common/v1/common.proto";
import "opentelemetry/proto/resource/v1/resource.proto";
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}
message ScopeMetrics {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
  repeated opentelemetry.proto.common.v1.KeyValue metadata = 12;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message NumberDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  Buckets positive = 8;
  Buckets negative = 9;
  uint32 flags = 10;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
  message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
}
message SummaryDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;
  message ValueAtQuantile { double quantile = 1; double value = 2; }
}
`;

const protoDir = join(import.meta.dirname, '..', 'otlp-proto');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir, target);
root.loadSync([
  'opentelemetry/proto/common/v1/common.proto',
  'opentelemetry/proto/resource/v1/resource.proto',
]);
protobuf.parse(METRICS_PROTO, root, { keepCase: false });
root.resolveAll();

const Request = root.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceRequest');

/** protobufjs's bytes for a request given as a plain object (camelCase field names). */
export function encodeMetricsRequest(request: object): Uint8Array {
  return Request.encode(Request.fromObject(request)).finish();
}

/** The request as OTLP/JSON (64-bit integers as decimal strings, enums as numbers). */
export function metricsRequestAsJson(request: object): string {
  return JSON.stringify(Request.toObject(Request.fromObject(request), { longs: String, enums: Number }));
}

const str = (stringValue: string) => ({ stringValue });
/** 2026-01-02T03:04:05Z in ns, plus an offset in seconds. */
export const at = (seconds: number): string =>
  String(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5) + seconds * 1000) * 1_000_000n);
export const T0_MS = Date.UTC(2026, 0, 2, 3, 4, 5);

const attrs = (pairs: Record<string, string>) =>
  Object.entries(pairs).map(([key, v]) => ({ key, value: str(v) }));

/** Every metric kind, a counter reset, a staleness marker and a NaN, two resources. */
export const SAMPLE_METRICS = {
  resourceMetrics: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: str('checkout') },
          { key: 'k8s.namespace.name', value: str('shop') },
          { key: 'host.name', value: str('node-7') }, // not on LakeRunner's allow-list
        ],
      },
      scopeMetrics: [
        {
          scope: { name: 'io.opentelemetry.runtime', version: '1.2.3' },
          metrics: [
            {
              name: 'process.memory.usage',
              description: 'resident memory',
              unit: 'By',
              gauge: {
                dataPoints: [
                  { attributes: attrs({ 'memory.type': 'heap' }), timeUnixNano: at(0), asDouble: 100.5 },
                  { attributes: attrs({ 'memory.type': 'heap' }), timeUnixNano: at(3), asInt: 120 },
                  {
                    attributes: attrs({ 'memory.type': 'heap' }),
                    timeUnixNano: at(12),
                    asDouble: Number.NaN,
                  },
                  {
                    attributes: attrs({ 'memory.type': 'heap' }),
                    timeUnixNano: at(14),
                    asDouble: 80,
                    flags: 1,
                  },
                ],
              },
            },
            {
              name: 'http.server.requests',
              unit: '1',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: attrs({ route: '/a', _internal: 'x' }),
                    startTimeUnixNano: at(-60),
                    timeUnixNano: at(0),
                    asInt: 10,
                  },
                  {
                    attributes: attrs({ route: '/a', _internal: 'x' }),
                    startTimeUnixNano: at(-60),
                    timeUnixNano: at(10),
                    asInt: 25,
                  },
                  // the process restarted: the counter starts again from 0
                  {
                    attributes: attrs({ route: '/a', _internal: 'x' }),
                    startTimeUnixNano: at(15),
                    timeUnixNano: at(20),
                    asInt: 4,
                  },
                  {
                    attributes: attrs({ route: '/a', _internal: 'x' }),
                    startTimeUnixNano: at(15),
                    timeUnixNano: at(24),
                    asInt: 9,
                  },
                ],
              },
            },
            {
              name: 'jobs.done',
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: [
                  { timeUnixNano: at(1), asInt: 3 },
                  { timeUnixNano: at(2), asInt: 4 },
                ],
              },
            },
          ],
        },
      ],
    },
    {
      resource: { attributes: [{ key: 'service.name', value: str('payments') }] },
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'rpc.duration',
              unit: 'ms',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    timeUnixNano: at(0),
                    count: '10',
                    sum: 430,
                    min: 2,
                    max: 190,
                    explicitBounds: [10, 50, 100],
                    bucketCounts: ['3', '4', '2', '1'],
                  },
                ],
              },
            },
            {
              name: 'rpc.size',
              exponentialHistogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    timeUnixNano: at(0),
                    count: '7',
                    sum: 70,
                    scale: 1,
                    zeroCount: '1',
                    positive: { offset: 4, bucketCounts: ['2', '0', '3'] },
                    negative: { offset: 0, bucketCounts: ['1'] },
                  },
                ],
              },
            },
            {
              name: 'gc.pause',
              summary: {
                dataPoints: [
                  {
                    timeUnixNano: at(0),
                    count: '100',
                    sum: 1234,
                    quantileValues: [
                      { quantile: 0, value: 1 },
                      { quantile: 0.5, value: 10 },
                      { quantile: 0.99, value: 50 },
                      { quantile: 1, value: 60 },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};
