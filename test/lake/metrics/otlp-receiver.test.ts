/**
 * The OTLP/HTTP metrics receiver over real HTTP on the file port: protobuf, JSON and gzip batches are
 * acknowledged only once queryable, a retried batch is taken once, a malformed one writes nothing, and a
 * client faster than the lake gets 503 with Retry-After.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeServer,
  type ListeningLakeServer,
  otlpMetricsRoute,
} from '../../../src/lake/http/index.js';
import { readMetricRows } from '../../../src/lake/metrics/index.js';
import { fileStorage, type PutOptions, type StoragePort } from '../../../src/storage/index.js';
import { at, encodeMetricsRequest, metricsRequestAsJson, T0_MS } from './otlp-metrics-fixtures.js';

function batch(metric: string, values: number[]): object {
  return {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: metric,
                gauge: { dataPoints: values.map((v, i) => ({ timeUnixNano: at(i * 10), asDouble: v })) },
              },
            ],
          },
        ],
      },
    ],
  };
}

let dir: string;
let port: StoragePort;
let server: ListeningLakeServer;
let gate: Promise<void> | undefined;
let entered: () => void = () => {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-otlp-http-'));
  const files = fileStorage(join(dir, 'bucket'));
  // a port whose raw writes can be held back, to make the lake slower than its client
  port = Object.assign(Object.create(files) as StoragePort, {
    put: async (key: string, body: Parameters<StoragePort['put']>[1], options?: PutOptions) => {
      if (key.startsWith('otel-raw/') && gate) {
        entered();
        await gate;
      }
      return files.put(key, body, options);
    },
  });
  server = await createLakeServer([otlpMetricsRoute(port, { org: 'acme', maxInFlight: 1 })]).listen();
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function rowsOf(metric: string) {
  const { rows } = await readMetricRows(port, {
    org: 'acme',
    fromMs: T0_MS - 60_000,
    toMs: T0_MS + 600_000,
    metricName: metric,
  });
  return rows.map((r) => r.chq_value);
}

const post = (body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(`${server.url}/v1/metrics`, {
    method: 'POST',
    body: typeof body === 'string' ? body : Buffer.from(body),
    headers,
  });

describe('OTLP/HTTP metrics receiver', () => {
  it('acknowledges protobuf, gzip and JSON batches once their points are queryable', async () => {
    const proto = await post(encodeMetricsRequest(batch('a', [1, 2, 3])), {
      'content-type': 'application/x-protobuf',
    });
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await proto.arrayBuffer()).byteLength).toBe(0);
    expect(await rowsOf('a')).toEqual([1, 2, 3]);

    const gz = await post(gzipSync(encodeMetricsRequest(batch('b', [4, 5]))), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(gz.status).toBe(200);
    expect(await rowsOf('b')).toEqual([4, 5]);

    const json = await post(metricsRequestAsJson(batch('c', [6])), { 'content-type': 'application/json' });
    expect([json.status, await json.text()]).toEqual([200, '{}']);
    expect(await rowsOf('c')).toEqual([6]);
  });

  it('takes a retried batch once', async () => {
    const body = encodeMetricsRequest(batch('d', [7, 8]));
    for (let i = 0; i < 3; i++)
      expect((await post(body, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    expect(await rowsOf('d')).toEqual([7, 8]);
    const { rows } = await readMetricRows(port, {
      org: 'acme',
      fromMs: T0_MS - 60_000,
      toMs: T0_MS + 600_000,
      metricName: 'd',
    });
    expect(rows.map((r) => r.chq_rollup_count)).toEqual([1, 1]);
  });

  it('answers 400 to a malformed batch and writes nothing', async () => {
    const before = await count();
    const bad = await post(Uint8Array.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(bad.status).toBe(400);
    const badJson = await post('{"resourceMetrics":{}}', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).message).toMatch(/Corrupt/);
    expect(await count()).toBe(before);
  });

  it('answers 503 with Retry-After while the lake is busy, and loses nothing it acknowledged', async () => {
    let release: () => void = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow = post(encodeMetricsRequest(batch('e', [9])), { 'content-type': 'application/x-protobuf' });
    await holding; // the first batch is being stored: the lake is busy
    const refused = await post(encodeMetricsRequest(batch('f', [10])), {
      'content-type': 'application/x-protobuf',
    });
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '1']);
    gate = undefined;
    release();
    expect((await slow).status).toBe(200);
    expect(await rowsOf('e')).toEqual([9]);
    expect(await rowsOf('f')).toEqual([]);
  });
});

async function count(): Promise<number> {
  let n = 0;
  for await (const entry of port.list({ prefix: 'otel-raw/' })) if (entry.type === 'object') n++;
  return n;
}
