import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lake, openLake, readMetricRows } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { serveLake } from './lake-serve.js';
import { at, encodeMetricsRequest } from './metrics/otlp-metrics-fixtures.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesProtobuf } from './traces/trace-fixtures.js';

const _cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const BATCHES = 16;
const traceHex = (n: number) => n.toString(16).padStart(32, '0');

let dir: string;
let url: string;
const batches: Uint8Array[] = [];

/** Starts `lake serve` in org acme. */
const serve = () => serveLake(url, ['--org', 'acme']);

/** Batch i is traces when i is even, a gauge sample (value i, label batch=i) when odd. */
const pathOf = (i: number) => (i % 2 === 0 ? '/v1/traces' : '/v1/metrics');

function gaugeBatch(i: number): Uint8Array {
  const point = {
    timeUnixNano: at(i * 10),
    asDouble: i,
    attributes: [{ key: 'batch', value: { stringValue: String(i) } }],
  };
  return encodeMetricsRequest({
    resourceMetrics: [
      { scopeMetrics: [{ metrics: [{ name: 'crash.gauge', gauge: { dataPoints: [point] } }] }] },
    ],
  });
}

/** Posts batch i; the status, or 0 when the connection died first. */
async function post(base: string, i: number): Promise<number> {
  const body = batches[i]!;
  try {
    const response = await fetch(`${base}${pathOf(i)}`, {
      method: 'POST',
      body: Buffer.from(body),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** How many times batch i is in the lake: its spans / 4, or its samples. */
async function copiesOf(lake: Lake, batch: number): Promise<number> {
  if (batch % 2 === 1) {
    const { rows } = await readMetricRows(fileStorage(dir), {
      org: 'acme',
      fromMs: T0_MS - 60_000,
      toMs: T0_MS + 600_000,
      metricName: 'crash_gauge',
    });
    const mine = rows.filter((r) => r.fields.attr_batch === String(batch));
    expect(mine.every((r) => r.chq_value === batch)).toBe(true);
    return mine.reduce((n, r) => n + r.chq_rollup_count, 0);
  }
  const { spans } = await lake.trace(traceHex(1000 + batch), {
    org: 'acme',
    from: T0_MS,
    to: T0_MS + 3_600_000,
  });
  return spans.length / 4;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-receiver-crash-'));
  url = `file://${dir}`;
  for (let i = 0; i < BATCHES; i++) {
    if (i % 2 === 1) {
      batches.push(gaugeBatch(i));
      continue;
    }
    batches.push(
      tracesProtobuf(
        await sdkSpans((p) => recordCheckout(p, T0_MS + i * 1000), 'checkout', counterIds(1000 + i)),
      ),
    );
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lake serve killed mid-stream', () => {
  it('keeps every acknowledged batch; retries after a restart add the rest exactly once', async () => {
    const first = await serve();
    const statuses = new Array<number>(BATCHES).fill(0);
    let acknowledged = 0;
    let killed = false;
    // two clients send at once; the server is killed after the sixth acknowledgement
    const sender = async (start: number) => {
      for (let i = start; i < BATCHES; i += 2) {
        if (killed) return;
        statuses[i] = await post(first.base, i);
        if (statuses[i] === 200 && ++acknowledged === 6) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([sender(0), sender(1)]);
    await first.exited;
    const acked = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(acked.length).toBeGreaterThanOrEqual(6);
    expect(acked.length).toBeLessThan(BATCHES);

    const lake = openLake(fileStorage(dir));
    for (const i of acked) expect(await copiesOf(lake, i)).toBe(1);

    const second = await serve();
    for (let i = 0; i < BATCHES; i++) {
      if (statuses[i] !== 200) statuses[i] = await post(second.base, i);
    }
    // batches acknowledged before the kill, sent again, are taken once
    for (const i of acked.slice(0, 2)) expect(await post(second.base, i)).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(statuses).toEqual(new Array(BATCHES).fill(200));
    for (let i = 0; i < BATCHES; i++) expect(await copiesOf(lake, i)).toBe(1);
    await lake.close();
  }, 240_000);
});
