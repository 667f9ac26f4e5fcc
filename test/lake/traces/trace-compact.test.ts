/**
 * Trace segments go through the lake's one compaction and sweep (the logs' machinery, by signal), on the
 * file port: many small trace segments merge into few, `trace(id)` and `spans()` answer exactly as before
 * (one index read per day, and only the segments whose rebuilt trace-id filter may hold the trace), a
 * trace query holding the index across a swap and a sweep still sees every span once, and the sweep
 * removes only replaced segments, orphans and expired days (metric days too), each after its grace period.
 * Crashes at every step of trace ingest and compaction: test/lake/compact-faults.test.ts; several
 * processes on the file port and on Ceph RGW: test/lake/compact-processes.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { type Lake, openLake } from '../../../src/lake/index.js';
import { ingestMetricsObject, readMetricDayIndex } from '../../../src/lake/metrics/index.js';
import { loadZstd } from '../../../src/lake/parquet/zstd.js';
import { newStats } from '../../../src/lake/query/stats.js';
import {
  mayHoldTrace,
  readSpanTable,
  readTraceDayIndex,
  type SpanRow,
} from '../../../src/lake/traces/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { faulty } from '../../support/faulty.js';
import {
  DAY,
  indexedObjects,
  seedTraceFiles,
  segmentObjects,
  spanKeys,
  traceHex,
} from '../compact-support.js';
import { encodeMetricsRequest } from '../metrics/otlp-metrics-fixtures.js';
import { T0 } from '../support.js';
import { counterIds, recordCheckout, sdkSpans, tracesProtobuf } from './trace-fixtures.js';

const FILES = 12;
const TRACES = 5;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshPort(): Promise<StoragePort> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-trace-compact-'));
  dirs.push(dir);
  return fileStorage(join(dir, 'bucket'));
}

/** A day of `files` small trace segments (one per file), ingested. */
async function smallTraceSegments(files: number) {
  const port = await freshPort();
  const seeded = await seedTraceFiles(port, files, TRACES);
  const lake = openLake(port);
  for (const key of seeded.keys) await lake.ingestTraces(key);
  return { port, lake, ...seeded };
}

/** The UTC day of DAY (T0 is 10:00 of it). */
const dayRange = { org: 'acme', from: Date.UTC(2026, 0, 2), to: Date.UTC(2026, 0, 3) };

/** What a user asks of a trace day: every trace by id, and three searches. */
async function answers(lake: Lake, traces: number) {
  const byId: SpanRow[][] = [];
  const reads: { indexReads: number; segmentsRead: number }[] = [];
  for (let n = 1; n <= traces; n++) {
    const { spans, stats } = await lake.trace(traceHex(n), dayRange);
    byId.push(spans);
    reads.push({ indexReads: stats.indexReads, segmentsRead: stats.segmentsRead });
  }
  const all = (await lake.spans({ ...dayRange, limit: 100_000 })).spans;
  const service = (await lake.spans({ ...dayRange, service: 'svc-1', limit: 100_000 })).spans;
  const slow = (await lake.spans({ ...dayRange, name: 'GET /cart/:id', minDurationMs: 103 })).spans;
  return { answers: { byId, all, service, slow }, reads };
}

describe('trace compaction', () => {
  it('merges many small trace segments; trace(id) and spans() answer the same, reading as little', async () => {
    const { port, lake, spans, keys } = await smallTraceSegments(FILES);
    const before = await readTraceDayIndex(port, 'acme', DAY);
    expect(before.index.segments).toHaveLength(FILES);
    const asked = await answers(lake, FILES * TRACES);
    expect(asked.answers.all).toHaveLength(spans.length);
    expect(asked.answers.byId.every((trace) => trace.length === 4)).toBe(true);
    expect(asked.answers.service.length).toBe(4 * 4 * TRACES); // files 1, 4, 7, 10
    expect(asked.answers.slow.length).toBe(FILES * 2); // durations 100 + i, i = 3, 4

    const perSegment = before.index.segments[0]!.bytes;
    const result = await lake.compact({ org: 'acme', targetBytes: perSegment * 4.5 });
    expect(result).toMatchObject({ days: 1, segmentsReplaced: FILES, segmentsWritten: 3, groupsLost: 0 });

    const { index } = await readTraceDayIndex(port, 'acme', DAY);
    const live = index.segments.filter((s) => s.published);
    const replaced = index.segments.filter((s) => !s.published);
    expect(live).toHaveLength(3);
    expect(live.every((s) => s.compacted && s.replaces?.length === 4)).toBe(true);
    expect(replaced.map((s) => s.id).sort()).toEqual(before.index.segments.map((s) => s.id).sort());
    for (const s of replaced) {
      expect(s).toMatchObject({ compacted: true, published: false });
      expect(live.map((l) => l.id)).toContain(s.replacedBy);
    }
    expect(live.flatMap((s) => s.sources).sort()).toEqual(
      before.index.segments.flatMap((s) => s.sources).sort(),
    );
    expect(live.reduce((n, s) => n + s.rows, 0)).toBe(spans.length);
    expect(live.reduce((n, s) => n + s.traces, 0)).toBe(FILES * TRACES);
    // each merged table holds its inputs' spans, and its trace-id filter holds each of its traces
    const zstd = await loadZstd();
    for (const segment of live) {
      const rows = await readSpanTable(port, segment.table, segment.bytes, { zstd, stats: newStats() });
      expect(rows).toHaveLength(segment.rows);
      for (const row of rows) expect(mayHoldTrace(segment.traceIds, row.span_trace_id)).toBe(true);
    }

    const after = await answers(lake, FILES * TRACES);
    expect(after.answers).toEqual(asked.answers);
    // still one index read per trace, and only the segments whose filter admits it (the one holding it,
    // rarely another: a bloom filter's ~1 % false positives)
    after.reads.forEach((read, i) => {
      const admitting = live.filter((s) => mayHoldTrace(s.traceIds, traceHex(i + 1))).length;
      expect(read).toEqual({ indexReads: 1, segmentsRead: admitting });
    });
    const segmentsRead = after.reads.reduce((n, r) => n + r.segmentsRead, 0);
    expect(segmentsRead).toBeLessThanOrEqual(FILES * TRACES * 1.1);

    // a compacted source is not ingested again; compacting again converges to one segment
    expect(await lake.ingestTraces(keys[0]!)).toMatchObject({ alreadyIngested: true });
    const whole = await lake.compact({ org: 'acme', targetBytes: 1 << 30, signals: ['traces'] });
    expect(whole).toMatchObject({ segmentsReplaced: 3, segmentsWritten: 1 });
    expect((await lake.compact({ org: 'acme', targetBytes: 1 << 30 })).segmentsWritten).toBe(0);
    expect((await answers(lake, FILES * TRACES)).answers).toEqual(asked.answers);
    expect(await spanKeys(lake)).toEqual(spans);
  }, 240_000);

  it('a trace query holding the index across a swap and a sweep sees every span once', async () => {
    const { port, spans } = await smallTraceSegments(6);
    const wrapped = faulty(port);
    const other = openLake(port);
    let swapped = false;
    wrapped.before = async (op, key) => {
      // the query has read the day index; compact and sweep (long grace) before it reads a table
      if (swapped || op !== 'get' || !key.includes('/traces/')) return;
      swapped = true;
      expect((await other.compact({ org: 'acme', targetBytes: 1 << 30 })).segmentsWritten).toBe(1);
      expect((await other.sweep({ graceMs: 3_600_000 })).objectsDeleted).toBe(0);
    };
    const held = openLake(wrapped);
    expect(await spanKeys(held)).toEqual(spans);
    expect(swapped).toBe(true);
    const { stats } = await other.spans({ ...dayRange, limit: 100_000 });
    expect(stats.segmentsRead).toBe(1);
    // once the grace period is over the replaced tables go, and nothing else
    const swept = await other.sweep({ graceMs: 0 });
    expect(swept).toMatchObject({ segmentsRetired: 6, objectsDeleted: 6, orphansDeleted: 0 });
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
    expect(await spanKeys(other)).toEqual(spans);
  }, 240_000);
});

describe('trace sweep', () => {
  it('removes replaced segments and orphans after the grace period, and expired days of every signal', async () => {
    const { port, lake, spans } = await smallTraceSegments(3);
    await lake.compact({ org: 'acme', targetBytes: 1 << 30 });
    // a recent trace day with a crash's leftover in it, and a metric day as old as the traces
    const recent = Date.now() - 3_600_000;
    const recentDay = Number(new Date(recent).toISOString().slice(0, 10).replaceAll('-', ''));
    const recentSpans = await sdkSpans((p) => recordCheckout(p, recent), 'checkout', counterIds(999));
    await port.put('otel-raw/acme/c1/traces_recent.binpb', tracesProtobuf(recentSpans));
    await lake.ingestTraces('otel-raw/acme/c1/traces_recent.binpb');
    const [recentTable] = await indexedObjects(port, recentDay);
    const orphan = recentTable!.replace(/tbl_\d+/, 'tbl_42');
    await port.put(orphan, 'left by a crash');
    await port.put('otel-raw/acme/c1/metrics_1.binpb', gauge(T0));
    await ingestMetricsObject(port, 'otel-raw/acme/c1/metrics_1.binpb', { org: 'acme', collector: 'c1' });
    const metricTables = (await readMetricDayIndex(port, 'acme', DAY)).index.segments.map((s) => s.table);
    expect(metricTables).toHaveLength(1);
    const recentTrace = { org: 'acme', from: recent - 60_000, to: recent + 60_000 };

    const young = await lake.sweep({ retentionDays: 400, graceMs: 3_600_000 });
    expect(young).toMatchObject({ days: 3, daysDropped: 0, objectsDeleted: 0 });
    expect(await spanKeys(lake)).toEqual(spans);

    const retired = await lake.sweep({ retentionDays: 400, graceMs: 0 });
    expect(retired).toMatchObject({
      daysDropped: 0,
      segmentsRetired: 3,
      orphansDeleted: 1,
      objectsDeleted: 4,
    });
    await expect(port.head(orphan)).rejects.toSatisfy((e) => BucketkitError.is(e, 'NotFound'));
    const listed = [...(await indexedObjects(port)), ...(await indexedObjects(port, recentDay))];
    expect(await segmentObjects(port)).toEqual([...listed, ...metricTables].sort());
    expect(await spanKeys(lake)).toEqual(spans);

    const expired = await lake.sweep({ retentionDays: 30, graceMs: 3_600_000 });
    expect(expired).toMatchObject({ days: 3, daysDropped: 2, objectsDeleted: 2 }); // DAY's traces and metrics
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port, recentDay));
    expect(await spanKeys(lake)).toEqual([]);
    expect((await readMetricDayIndex(port, 'acme', DAY)).index.segments).toEqual([]);
    for (const signal of ['traces', 'metrics']) {
      await expect(port.head(`db/acme/_index/${signal}/${DAY}.json`)).rejects.toSatisfy((e) =>
        BucketkitError.is(e, 'NotFound'),
      );
    }
    expect((await lake.spans(recentTrace)).spans).toHaveLength(4);
  }, 240_000);
});

/** An OTLP gauge of one sample at `ms`. */
function gauge(ms: number): Uint8Array {
  const point = { timeUnixNano: String(BigInt(ms) * 1_000_000n), asDouble: 1 };
  return encodeMetricsRequest({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: [point] } }] }] }],
  });
}
