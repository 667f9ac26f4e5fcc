/**
 * Metric and trace segments on the file port, read by the DuckDB engine in place: as for logs
 * (`duckdb-rot.test.ts`), a flipped byte must be a typed `Corrupt`, never rows with wrong values nor a raw
 * DuckDB error. DuckDB checks no checksum, so this holds only if the segments were put with an MD5 ETag
 * the port checks on the engine's whole read (ingest and rollups alike).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type Lake,
  openLake,
  readMetricDayIndex,
  readTraceDayIndex,
  rollupMetrics,
} from '../../src/lake/index.js';
import { type FileStoragePort, fileStorage } from '../../src/storage/index.js';
import { flipByteAt } from '../support/flip-byte.js';
import { judgeSeries, T0, toRemoteWrite } from './promql/judge-data.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesProtobuf } from './traces/trace-fixtures.js';

const ORG = 'acme';
const HOUR = 3_600_000;
const METRIC_DAY = 20260105;
const TRACE_DAY = 20260102;

let dir: string;
let port: FileStoragePort;
let lake: Lake;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-metric-trace-rot-'));
  port = fileStorage(dir);
  lake = openLake(port, { engine: 'duckdb' });
  const [batch] = toRemoteWrite(judgeSeries(), HOUR);
  await port.put('otel-raw/acme/prom/metrics_0.prw', batch!);
  await lake.ingestMetrics('otel-raw/acme/prom/metrics_0.prw');
  const spans = await sdkSpans(
    (p) => {
      for (let k = 0; k < 300; k++) recordCheckout(p, T0_MS + k * 1000, 100 + (k % 50));
    },
    'checkout',
    counterIds(1),
  );
  await port.put('otel-raw/acme/c1/traces_0.binpb', tracesProtobuf(spans));
  await lake.ingestTraces('otel-raw/acme/c1/traces_0.binpb');
}, 120_000);

afterAll(async () => {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

/** The data file of a segment object (big enough not to live inside its record). */
async function dataFile(key: string): Promise<string> {
  const path = await port.localPath(key);
  expect(path, `${key} is read in place`).toBeDefined();
  return path!;
}

/** The rows of a `lake.sql` query over the org's segments of one signal. */
async function sqlRows(query: string, range: Omit<Parameters<Lake['sql']>[1], 'org'>) {
  return (await lake.sql(query, { org: ORG, ...range })).rows;
}

/** Each byte position must be Corrupt through `read`, and the healthy answer must come back after. */
async function expectEveryFlipCorrupt(path: string, read: () => Promise<unknown>) {
  const healthy = await read();
  for (let i = 1; i < 10; i++) {
    await flipByteAt(path, i / 10);
    const got = await read().catch((e: unknown) => e);
    expect(BucketkitError.is(got, 'Corrupt'), `byte at ${i}/10: ${String(got).slice(0, 300)}`).toBe(true);
    await flipByteAt(path, i / 10);
    expect(await read()).toEqual(healthy);
  }
}

describe('DuckDB over metric and trace segments on the file port', () => {
  it('a byte flipped in a metric segment is Corrupt through lake.sql', async () => {
    const { index } = await readMetricDayIndex(port, ORG, METRIC_DAY);
    expect(index.segments).toHaveLength(1);
    const path = await dataFile(index.segments[0]!.table);
    const read = () =>
      sqlRows(
        'SELECT metric_name, chq_tid, chq_timestamp, chq_rollup_sum, md5(chq_sketch) AS sketch FROM metrics ORDER BY ALL',
        { signal: 'metrics', from: T0, to: T0 + HOUR, frequencyMs: 10_000 },
      );
    expect((await read()).length).toBeGreaterThan(1000);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);

  it('a byte flipped in a rolled-up metric segment is Corrupt through lake.sql', async () => {
    const rolled = await rollupMetrics(port, { org: ORG, dateint: METRIC_DAY, engine: lake.loadEngine });
    expect(rolled.segment?.frequencyMs).toBe(60_000);
    const path = await dataFile(rolled.segment!.table);
    const read = () =>
      sqlRows('SELECT * EXCLUDE (chq_sketch) FROM metrics ORDER BY ALL', {
        signal: 'metrics',
        from: T0,
        to: T0 + HOUR,
        frequencyMs: 60_000,
      });
    expect((await read()).length).toBeGreaterThan(100);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);

  it('a byte flipped in a trace segment is Corrupt through lake.sql', async () => {
    const { index } = await readTraceDayIndex(port, ORG, TRACE_DAY);
    expect(index.segments).toHaveLength(1);
    const path = await dataFile(index.segments[0]!.table);
    const read = () =>
      sqlRows('SELECT * FROM traces ORDER BY ALL', { signal: 'traces', from: T0_MS, to: T0_MS + HOUR });
    expect((await read()).length).toBe(1200);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);
});
