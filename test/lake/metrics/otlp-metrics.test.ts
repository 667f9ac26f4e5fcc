import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { gunzipChunks } from '../../../src/lake/ingest/gzip.js';
import {
  type DecodedMetricPoint,
  decodeOtlpMetricsJson,
  decodeOtlpMetricsProtobuf,
  decodeOtlpMetricsRequest,
  fnv1a64,
  type MetricRow,
  MetricRowBuilder,
  seriesTid,
} from '../../../src/lake/metrics/index.js';
import { decodeSketch } from '../../../src/lake/sketch/index.js';
import {
  at,
  encodeMetricsRequest,
  metricsRequestAsJson,
  SAMPLE_METRICS,
  T0_MS,
} from './otlp-metrics-fixtures.js';

const SEED = 20261206;

/** FNV-1a 64 written the plain way (BigInt per byte), to check the fast one against. */
function referenceFnv(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h);
}

async function* chunksOf(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(points: AsyncIterable<DecodedMetricPoint>): Promise<DecodedMetricPoint[]> {
  const out: DecodedMetricPoint[] = [];
  for await (const p of points) out.push(p);
  return out;
}

function cook(points: Iterable<DecodedMetricPoint>): { rows: MetricRow[]; builder: MetricRowBuilder } {
  const builder = new MetricRowBuilder('acme');
  for (const p of points) builder.add(p);
  return { rows: builder.rows(), builder };
}

const byName = (rows: MetricRow[], name: string) => rows.filter((r) => r.metric_name === name);

describe('chq_tid', () => {
  it('is FNV-1a 64 (published vectors) as a signed int64', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv1a64(enc(''))).toBe(BigInt.asIntN(64, 0xcbf29ce484222325n));
    expect(fnv1a64(enc('a'))).toBe(BigInt.asIntN(64, 0xaf63dc4c8601ec8cn));
    expect(fnv1a64(enc('foobar'))).toBe(BigInt.asIntN(64, 0x85944171f73967e8n));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(fnv1a64(enc(s))).toBe(referenceFnv(s));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('hashes `key=value|` over the labels sorted by key, empty values left out', () => {
    const labels = { metric_name: 'up', chq_metric_type: 'gauge', attr_job: 'node', attr_empty: '' };
    expect(seriesTid(labels)).toBe(referenceFnv('attr_job=node|chq_metric_type=gauge|metric_name=up|'));
  });
});

describe('OTLP metrics protobuf → rows', () => {
  const bytes = encodeMetricsRequest(SAMPLE_METRICS);

  it('decodes every point of every kind, streamed in small chunks and in one piece alike', async () => {
    const streamed = await collect(decodeOtlpMetricsProtobuf(chunksOf(bytes), { source: 'm.binpb' }));
    const whole = [...decodeOtlpMetricsRequest(bytes)];
    expect(streamed).toEqual(whole);
    expect(whole.map((p) => p.kind)).toEqual([
      ...Array(4).fill('gauge'),
      ...Array(4).fill('sum'),
      'sum',
      'sum',
      'histogram',
      'exponential_histogram',
      'summary',
    ]);
    expect(whole[1]!.value).toBe(120); // as_int
    expect(whole[4]).toMatchObject({
      temporality: 'cumulative',
      monotonic: true,
      name: 'http.server.requests',
    });
    expect(whole[10]!.histogram).toEqual({
      count: 10,
      sum: 430,
      min: 2,
      max: 190,
      bounds: [10, 50, 100],
      counts: [3, 4, 2, 1],
    });
    expect(whole[11]!.exponential).toMatchObject({
      scale: 1,
      zeroCount: 1,
      positive: { offset: 4, counts: [2, 0, 3] },
    });
  });

  it('cooks a gauge into one 10 s row: LakeRunner columns, allow-listed resources, exact value and statistics', () => {
    const { rows, builder } = cook(decodeOtlpMetricsRequest(bytes));
    const [gauge, ...more] = byName(rows, 'process_memory_usage');
    expect(more).toEqual([]);
    expect(builder.dropped).toBe(2); // the NaN and the staleness marker
    expect(gauge).toMatchObject({
      chq_metric_type: 'gauge',
      chq_timestamp: T0_MS - 5000, // 03:04:05 truncated to 03:04:00
      chq_tsns: BigInt(at(3)),
      chq_customer_id: 'acme',
      chq_telemetry_type: 'metrics',
      chq_description: 'resident memory',
      chq_unit: 'By',
      chq_scope_name: 'io.opentelemetry.runtime',
      chq_scope_url: '1.2.3',
      chq_value: 120,
      chq_rollup_count: 2,
      chq_rollup_sum: 220.5,
      chq_rollup_min: 100.5,
      chq_rollup_max: 120,
      chq_rollup_avg: 110.25,
      fields: {
        resource_service_name: 'checkout',
        resource_k8s_namespace_name: 'shop',
        attr_memory_type: 'heap',
      },
    });
    expect(gauge!.chq_tid).toBe(
      referenceFnv(
        'attr_memory_type=heap|chq_metric_type=gauge|metric_name=process_memory_usage|' +
          'resource_k8s_namespace_name=shop|resource_service_name=checkout|',
      ),
    );
    const sketch = decodeSketch(gauge!.chq_sketch);
    expect(sketch.count).toBe(2);
    expect(Math.abs(sketch.quantile(1) - 120) / 120).toBeLessThanOrEqual(0.01);
  });

  it('keeps cumulative counters exact per bucket and records resets as Prometheus counts them', () => {
    const { rows } = cook(decodeOtlpMetricsRequest(bytes));
    const counter = byName(rows, 'http_server_requests');
    expect(counter.map((r) => [r.chq_timestamp - T0_MS, r.chq_value, r.chq_reset_adjust])).toEqual([
      [-5000, 10, 0],
      [5000, 25, 0],
      [15000, 9, 25], // 25 → 4 is a reset: 25 is added back
    ]);
    expect(counter[0]).toMatchObject({ chq_metric_type: 'count', chq_temporality: 'cumulative' });
    expect(counter[0]!.fields).toEqual({
      resource_service_name: 'checkout',
      resource_k8s_namespace_name: 'shop',
      attr_route: '/a',
    });
    const delta = byName(rows, 'jobs_done');
    expect(delta.map((r) => [r.chq_value, r.chq_rollup_count, r.chq_temporality])).toEqual([[7, 2, 'delta']]);
  });

  it('sketches histograms, exponential histograms and summaries with exact count and sum', () => {
    const { rows } = cook(decodeOtlpMetricsRequest(bytes));
    const near = (got: number, want: number) =>
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 0.0101);
    const [h] = byName(rows, 'rpc_duration');
    expect(h).toMatchObject({
      chq_metric_type: 'histogram',
      chq_value: null,
      chq_rollup_count: 10,
      chq_rollup_sum: 430,
    });
    expect([h!.chq_rollup_min, h!.chq_rollup_max]).toEqual([2, 190]);
    // values per bucket: 2 (the recorded min) ×3, 30 ×4, 75 ×2, 190 (the recorded max) ×1
    near(h!.chq_rollup_p25, 2);
    near(h!.chq_rollup_p50, 30);
    near(h!.chq_rollup_p90, 75);
    expect(decodeSketch(h!.chq_sketch).count).toBe(10);

    const [e] = byName(rows, 'rpc_size');
    expect([e!.chq_rollup_count, e!.chq_rollup_sum]).toEqual([7, 70]);
    // scale 1: bucket k is (√2^k, √2^(k+1)], its middle 2^((k+0.5)/2)
    near(e!.chq_rollup_p50, 2 ** 2.25);
    near(e!.chq_rollup_max, 2 ** 3.25);
    near(e!.chq_rollup_min, -(2 ** 0.25));
    expect(decodeSketch(e!.chq_sketch).zeroCount).toBe(1);

    const [s] = byName(rows, 'gc_pause');
    expect([s!.chq_rollup_count, s!.chq_rollup_sum, s!.chq_rollup_min, s!.chq_rollup_max]).toEqual([
      100, 1234, 1, 60,
    ]);
    expect(Math.abs(s!.chq_rollup_p50 - 10)).toBeLessThanOrEqual(0.5);
  });

  it('reads the same request from gzip', async () => {
    const gz = gzipSync(bytes);
    const points = await collect(decodeOtlpMetricsProtobuf(gunzipChunks(chunksOf(gz, 100), 'm.binpb.gz')));
    expect(points).toEqual([...decodeOtlpMetricsRequest(bytes)]);
  });
});

describe('OTLP metrics JSON → rows', () => {
  it('gives the rows the protobuf gives, for JSON lines and one pretty document', async () => {
    const fromProto = cook(decodeOtlpMetricsRequest(encodeMetricsRequest(SAMPLE_METRICS))).rows;
    const line = metricsRequestAsJson(SAMPLE_METRICS);
    const text = new TextEncoder().encode(`${line}\n${line}\n`);
    const lines = cook(await collect(decodeOtlpMetricsJson(chunksOf(text, 50)))).rows;
    // two copies of the request: every bucket holds each sample twice; values and tids are the same
    expect(lines.map((r) => [r.metric_name, r.chq_tid, r.chq_timestamp])).toEqual(
      fromProto.map((r) => [r.metric_name, r.chq_tid, r.chq_timestamp]),
    );
    const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(line), null, 2));
    const one = cook(await collect(decodeOtlpMetricsJson(chunksOf(pretty, 64)))).rows;
    expect(one).toEqual(fromProto);
  });

  it('reads enum names, "NaN" doubles and proto field names', async () => {
    const request = {
      resource_metrics: [
        {
          scope_metrics: [
            {
              metrics: [
                {
                  name: 'q',
                  sum: {
                    aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                    is_monotonic: true,
                    data_points: [
                      { time_unix_nano: at(0), as_double: 'NaN' },
                      { time_unix_nano: at(0), as_int: '7' },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const points = await collect(
      decodeOtlpMetricsJson(chunksOf(new TextEncoder().encode(JSON.stringify(request)))),
    );
    expect(points.map((p) => [p.temporality, p.monotonic, p.value])).toEqual([
      ['cumulative', true, Number.NaN],
      ['cumulative', true, 7],
    ]);
  });

  it('refuses what is not an OTLP metrics request as Corrupt', async () => {
    for (const bad of [
      '{"resourceMetrics":{}}',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"timeUnixNano":"x"}]}}]}]}]}',
      '[1',
    ]) {
      await expect(collect(decodeOtlpMetricsJson(chunksOf(new TextEncoder().encode(bad))))).rejects.toSatisfy(
        (err) => BucketkitError.is(err, 'Corrupt'),
      );
    }
  });
});

describe('OTLP metrics protobuf decoder fuzzing (pinned seed)', () => {
  const valid = encodeMetricsRequest(SAMPLE_METRICS);
  const outcome = (bytes: Uint8Array): string => {
    try {
      const points = [...decodeOtlpMetricsRequest(bytes, 'fuzz.binpb')];
      cook(points);
      return 'ok';
    } catch (err) {
      if (!BucketkitError.is(err, 'Corrupt')) throw err;
      return 'Corrupt';
    }
  };

  it('decodes or throws Corrupt for random and damaged requests, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void outcome(b)),
      { seed: SEED, numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (edits, cut) => {
          const bytes = valid.slice(0, valid.length - (cut % 40));
          for (const [i, b] of edits) bytes[i % bytes.length] = b;
          outcome(bytes);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('refuses a truncated stream as Corrupt', async () => {
    const cut = valid.subarray(0, valid.length - 3);
    await expect(collect(decodeOtlpMetricsProtobuf(Readable.from([cut])))).rejects.toSatisfy((err) =>
      BucketkitError.is(err, 'Corrupt'),
    );
  });
});
