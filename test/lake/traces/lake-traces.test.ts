/**
 * Traces in the lake on the file port: SDK-made OTLP files (protobuf, JSON, gzip) become trace segments
 * listed in the day index; `trace(id)` reads one index per day and only the segment holding the trace;
 * span search prunes segments by service, name and duration; ingest is once-only and a damaged file
 * publishes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lake, openLake } from '../../../src/lake/index.js';
import { readTraceDayIndex } from '../../../src/lake/traces/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesJson, tracesProtobuf } from './trace-fixtures.js';

const DAY = 86_400_000;
let dir: string;
let port: StoragePort;
let lake: Lake;
const traceHex = (n: number) => n.toString(16).padStart(32, '0');

/** Ten checkout traces, one a minute from `at`, durations 100, 130, … ms, trace ids from `first`. */
async function tenTraces(first: number, at: number, service = 'checkout') {
  return sdkSpans(
    (p) => {
      for (let i = 0; i < 10; i++) recordCheckout(p, at + i * 60_000, 100 + 30 * i);
    },
    service,
    counterIds(first),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-traces-'));
  port = fileStorage(join(dir, 'bucket'));
  lake = openLake(port);
  await port.put('otel-raw/acme/c1/traces_a.binpb', tracesProtobuf(await tenTraces(1, T0_MS)));
  await port.put(
    'otel-raw/acme/c1/traces_b.json.gz',
    gzipSync(tracesJson(await tenTraces(11, T0_MS + 3_600_000))),
  );
  await port.put(
    'otel-raw/acme/c2/traces_c.binpb.gz',
    gzipSync(tracesProtobuf(await tenTraces(21, T0_MS + DAY, 'payments'))),
  );
});

afterAll(async () => {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('trace ingest', () => {
  it('turns each file into a segment of its day, once', async () => {
    for (const key of [
      'otel-raw/acme/c1/traces_a.binpb',
      'otel-raw/acme/c1/traces_b.json.gz',
      'otel-raw/acme/c2/traces_c.binpb.gz',
    ]) {
      const result = await lake.ingestTraces(key);
      expect(result.spans).toBe(40);
      expect(result.segments).toHaveLength(1);
      expect(result.alreadyIngested).toBe(false);
    }
    const again = await lake.ingestTraces('otel-raw/acme/c1/traces_a.binpb');
    expect(again.alreadyIngested).toBe(true);
    const { index } = await readTraceDayIndex(port, 'acme', 20260102);
    expect(index.segments).toHaveLength(2);
    const [a] = index.segments;
    expect(a).toMatchObject({
      rows: 40,
      traces: 10,
      services: ['checkout'],
      minDurationMs: 2,
      maxDurationMs: 370,
    });
    expect(a!.table).toMatch(/^db\/acme\/c1\/20260102\/traces\/03\/tbl_\d+\.parquet$/);
    expect(a!.spanNames).toEqual(['GET /cart/:id', 'SELECT carts', 'carts publish', 'render']);
    expect(a!.columns).toContain('attr_db_system_name');
    const { index: next } = await readTraceDayIndex(port, 'acme', 20260103);
    expect(next.segments.map((s) => s.collector)).toEqual(['c2']);
  });

  it('a damaged file publishes nothing and leaves no table behind', async () => {
    const good = tracesProtobuf(await tenTraces(41, T0_MS));
    await port.put('otel-raw/acme/c1/traces_bad.binpb', good.subarray(0, good.length - 7));
    await expect(lake.ingestTraces('otel-raw/acme/c1/traces_bad.binpb')).rejects.toMatchObject({
      code: 'Corrupt',
    });
    const { index } = await readTraceDayIndex(port, 'acme', 20260102);
    expect(index.segments).toHaveLength(2);
    const tables: string[] = [];
    for await (const entry of port.list({ prefix: 'db/acme/c1/20260102/traces/' })) {
      if (entry.type === 'object') tables.push(entry.key);
    }
    expect(tables.sort()).toEqual(index.segments.map((s) => s.table).sort());
  });
});

describe('trace(id)', () => {
  it('returns a trace spans in start order, reading one day index and one segment', async () => {
    const { spans, stats } = await lake.trace(traceHex(15), {
      org: 'acme',
      from: T0_MS,
      to: T0_MS + 2 * 3_600_000,
    });
    expect(spans.map((s) => s.span_name)).toEqual([
      'GET /cart/:id',
      'SELECT carts',
      'carts publish',
      'render',
    ]);
    expect(new Set(spans.map((s) => s.span_trace_id))).toEqual(new Set([traceHex(15)]));
    const root = spans[0]!;
    expect(root.chq_timestamp).toBe(T0_MS + 3_600_000 + 4 * 60_000);
    expect(root.span_duration).toBe(220);
    expect(root.span_status_code).toBe('STATUS_CODE_OK');
    expect(spans.slice(1).every((s) => s.span_parent_span_id === root.span_id)).toBe(true);
    expect(spans[1]!.span_status_message).toBe('deadlock detected');
    expect(stats.indexReads).toBe(1);
    expect(stats.segmentsConsidered).toBe(2);
    expect(stats.segmentsRead).toBe(1);
  });

  it('without a time range, lists the trace days and finds it on any of them', async () => {
    const { spans, stats } = await lake.trace(traceHex(27).toUpperCase(), { org: 'acme' });
    expect(spans).toHaveLength(4);
    expect(spans[0]!.fields.resource_service_name).toBe('payments');
    expect(stats.indexReads).toBe(2);
    expect(stats.segmentsRead).toBe(1);
  });

  it('an unknown trace reads no segment; a malformed id is InvalidArgument', async () => {
    const { spans, stats } = await lake.trace(traceHex(999), { org: 'acme' });
    expect(spans).toEqual([]);
    expect(stats.segmentsRead).toBe(0);
    await expect(lake.trace('not-a-trace', { org: 'acme' })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });
});

describe('span search', () => {
  const wholeRange = { org: 'acme', from: T0_MS - DAY, to: T0_MS + 2 * DAY };

  it('by service reads only the segments listing it', async () => {
    const { spans, stats } = await lake.spans({ ...wholeRange, service: 'payments' });
    expect(spans).toHaveLength(40);
    expect(new Set(spans.map((s) => s.fields.resource_service_name))).toEqual(new Set(['payments']));
    expect(stats.segmentsConsidered).toBe(3);
    expect(stats.segmentsRead).toBe(1);
  });

  it('by span name and duration, newest first', async () => {
    const { spans } = await lake.spans({ ...wholeRange, name: 'GET /cart/:id', minDurationMs: 300 });
    // durations 100 + 30 i ≥ 300: i = 7, 8, 9 in each of the three files
    expect(spans.map((s) => s.span_duration)).toEqual([370, 340, 310, 370, 340, 310, 370, 340, 310]);
    expect(spans.map((s) => s.chq_timestamp)).toEqual(
      [...spans.map((s) => s.chq_timestamp)].sort((a, b) => b - a),
    );
  });

  it('by attributes and status, with a limit', async () => {
    const { spans } = await lake.spans({
      ...wholeRange,
      where: { attr_db_system_name: 'postgresql' },
      status: 'STATUS_CODE_ERROR',
      limit: 5,
    });
    expect(spans).toHaveLength(5);
    expect(spans.every((s) => s.span_name === 'SELECT carts' && s.span_kind === 'SPAN_KIND_CLIENT')).toBe(
      true,
    );
    expect(spans[0]!.fields.resource_service_name).toBe('payments');
  });

  it('a column no segment has prunes every segment', async () => {
    const { spans, stats } = await lake.spans({ ...wholeRange, where: { attr_nope: 'x' } });
    expect(spans).toEqual([]);
    expect(stats.segmentsRead).toBe(0);
  });
});
