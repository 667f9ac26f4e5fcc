/**
 * Metric and trace segments on the file port, read by the DuckDB engine in place: as for logs
 * (`duckdb-rot.test.ts`), a flipped byte must be a typed `Corrupt`, never rows with wrong values nor a raw
 * DuckDB error. DuckDB checks no checksum, so this holds only if the segments were put with an MD5 ETag
 * the port checks on the engine's whole read (ingest and rollups alike).
 */
import { mkdtemp, open, rm, utimes } from 'node:fs/promises';
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

let edits = 0;

/** Flips one bit of the byte at `fraction` of the file, and gives the file a modification time of its own. */
async function flipByteAt(path: string, fraction: number) {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const at = Math.floor(size * fraction);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x10;
    await file.write(byte, 0, 1, at);
  } finally {
    await file.close();
  }
  const time = new Date(1_000_000_000 + ++edits * 1000);
  await utimes(path, time, time);
}

/** The data file of a segment object (big enough not to live inside its record). */
async function dataFile(key: string): Promise<string> {
  const path = await port.localPath(key);
  expect(path, `${key} is read in place`).toBeDefined();
  return path!;
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
    const read = async () =>
      (
        await lake.sql(
          'SELECT metric_name, chq_tid, chq_timestamp, chq_rollup_sum, md5(chq_sketch) AS sketch FROM metrics ORDER BY ALL',
          { org: ORG, signal: 'metrics', from: T0, to: T0 + HOUR, frequencyMs: 10_000 },
        )
      ).rows;
    expect((await read()).length).toBeGreaterThan(1000);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);

  it('a byte flipped in a rolled-up metric segment is Corrupt through lake.sql', async () => {
    const rolled = await rollupMetrics(port, { org: ORG, dateint: METRIC_DAY, engine: lake.loadEngine });
    expect(rolled.segment?.frequencyMs).toBe(60_000);
    const path = await dataFile(rolled.segment!.table);
    const read = async () =>
      (
        await lake.sql('SELECT * EXCLUDE (chq_sketch) FROM metrics ORDER BY ALL', {
          org: ORG,
          signal: 'metrics',
          from: T0,
          to: T0 + HOUR,
          frequencyMs: 60_000,
        })
      ).rows;
    expect((await read()).length).toBeGreaterThan(100);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);

  it('a byte flipped in a trace segment is Corrupt through lake.sql', async () => {
    const { index } = await readTraceDayIndex(port, ORG, TRACE_DAY);
    expect(index.segments).toHaveLength(1);
    const path = await dataFile(index.segments[0]!.table);
    const read = async () =>
      (
        await lake.sql('SELECT * FROM traces ORDER BY ALL', {
          org: ORG,
          signal: 'traces',
          from: T0_MS,
          to: T0_MS + HOUR,
        })
      ).rows;
    expect((await read()).length).toBe(1200);
    await expectEveryFlipCorrupt(path, read);
  }, 120_000);
});
