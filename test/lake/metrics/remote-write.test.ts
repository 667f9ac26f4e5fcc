/**
 * Prometheus remote write into the lake over real HTTP (file port): snappy `WriteRequest`s encoded by
 * protobufjs and hyparquet-writer's snappy, counters told from gauges by metadata or name, staleness markers
 * dropped, retries taken once, malformed bodies refused with nothing written; the decoder fuzzed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import {
  createLakeServer,
  type ListeningLakeServer,
  remoteWriteRoute,
} from '../../../src/lake/http/index.js';
import { decodeRemoteWrite, readMetricRows, snappyBlock } from '../../../src/lake/metrics/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';

const root = protobuf.parse(`
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
`).root;
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** Prometheus's staleness marker: a NaN with this exact bit pattern. */
const STALE_NAN = new DataView(Uint8Array.from([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]).buffer).getFloat64(0, true);
const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);

function encode(request: object): Uint8Array {
  return snappyCompress(WriteRequest.encode(WriteRequest.fromObject(request)).finish());
}

function series(name: string, labels: Record<string, string>, samples: [number, number][]) {
  return {
    labels: [
      { name: '__name__', value: name },
      ...Object.entries(labels).map(([n, value]) => ({ name: n, value })),
    ],
    samples: samples.map(([value, ms]) => ({ value, timestamp: ms })),
  };
}

let dir: string;
let port: StoragePort;
let server: ListeningLakeServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-prw-'));
  port = fileStorage(join(dir, 'bucket'));
  server = await createLakeServer([remoteWriteRoute(port, { org: 'acme' })]).listen();
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (body: Uint8Array) =>
  fetch(`${server.url}/api/v1/write`, {
    method: 'POST',
    body: Buffer.from(body),
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
  });

async function rowsOf(metric: string) {
  const { rows } = await readMetricRows(port, {
    org: 'acme',
    fromMs: T0,
    toMs: T0 + 3_600_000,
    metricName: metric,
  });
  return rows;
}

describe('Prometheus remote write', () => {
  it('stores and ingests a batch before its 204: counters by name or metadata, gauges, labels as attributes', async () => {
    const request = {
      timeseries: [
        series('http_requests_total', { job: 'api', instance: 'a:9090' }, [
          [5, T0],
          [9, T0 + 15_000],
          [2, T0 + 30_000], // restarted
        ]),
        series('rpc_latency_seconds_bucket', { job: 'api', le: '0.5' }, [[3, T0]]),
        series('queue_depth', { job: 'api' }, [
          [4, T0],
          [STALE_NAN, T0 + 15_000], // the target went away
        ]),
      ],
      metadata: [{ type: 3, metricFamilyName: 'rpc_latency_seconds', help: 'latency' }],
    };
    const res = await post(encode(request));
    expect(res.status).toBe(204);
    const counter = await rowsOf('http_requests_total');
    expect(
      counter.map((r) => [r.chq_timestamp - T0, r.chq_value, r.chq_reset_adjust, r.chq_metric_type]),
    ).toEqual([
      [0, 5, 0, 'count'],
      [10_000, 9, 0, 'count'],
      [30_000, 2, 9, 'count'],
    ]);
    expect(counter[0]!.fields).toEqual({ attr_job: 'api', attr_instance: 'a:9090' });
    expect(
      (await rowsOf('rpc_latency_seconds_bucket')).map((r) => [r.chq_metric_type, r.fields.attr_le]),
    ).toEqual([['count', '0.5']]);
    expect((await rowsOf('queue_depth')).map((r) => [r.chq_metric_type, r.chq_value])).toEqual([
      ['gauge', 4],
    ]);
  });

  it('takes a resent batch once and refuses malformed ones with nothing written', async () => {
    const body = encode({ timeseries: [series('up', { job: 'x' }, [[1, T0 + 60_000]])] });
    for (let i = 0; i < 2; i++) expect((await post(body)).status).toBe(204);
    expect((await rowsOf('up')).map((r) => r.chq_rollup_count)).toEqual([1]);
    let before = 0;
    for await (const e of port.list({ prefix: 'otel-raw/' })) if (e.type === 'object') before++;
    expect((await post(Uint8Array.from([0x05, 0x00, 0x01]))).status).toBe(400);
    expect((await post(snappyCompress(Uint8Array.from([0x0a, 0x7f])))).status).toBe(400);
    let after = 0;
    for await (const e of port.list({ prefix: 'otel-raw/' })) if (e.type === 'object') after++;
    expect(after).toBe(before);
  });

  it('decompresses what another snappy writer compressed (pinned seed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.string({ maxLength: 2000 }).map((t) => new TextEncoder().encode(t.repeat(5))),
        ),
        (data) => {
          expect(snappyBlock(snappyCompress(data), 'x', 1 << 20)).toEqual(data);
        },
      ),
      { seed: 20261206, numRuns: 300 },
    );
    // a literal whose 4-byte length has the top bit set: hyparquet's snappyUncompress never returns on it
    for (const bytes of [
      [112, 252, 198, 39, 25, 180],
      [0x10, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x00],
    ]) {
      expect(() => snappyBlock(Uint8Array.from(bytes), 'x', 1 << 20)).toThrowError(/Corrupt/);
    }
  });

  it('decodes any bytes to points or a Corrupt error (pinned seed)', () => {
    const valid = encode({ timeseries: [series('m_total', { a: 'b' }, [[1, T0]])] });
    const check = (bytes: Uint8Array) => {
      try {
        [...decodeRemoteWrite(bytes, 'fuzz', 1 << 20)];
      } catch (err) {
        if (!BucketkitError.is(err, 'Corrupt')) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { seed: 20261206, numRuns: 3000 });
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (at, b) => {
        const bytes = valid.slice();
        bytes[at % bytes.length] = b;
        check(bytes);
      }),
      { seed: 20261206, numRuns: 2000 },
    );
  });
});
