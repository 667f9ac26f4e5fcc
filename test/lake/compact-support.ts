/**
 * Shared steps of the compaction tests: seed raw log or trace files, read every row or span back, list
 * segment objects.
 */
import { type Lake, type LogRow, readDayIndex } from '../../src/lake/index.js';
import { readTraceDayIndex } from '../../src/lake/traces/index.js';
import type { StoragePort } from '../../src/storage/index.js';
import { ndjsonGz, rawLines, T0 } from './support.js';
import { counterIds, recordCheckout, sdkSpans, tracesProtobuf } from './traces/trace-fixtures.js';

export const ORGS = { 'logs-raw/': 'acme' };
export const DAY = 20260102;
/** The lines of file `f`: `rows` lines, 1 s apart, each file 10 minutes after the previous one. */
export function fileLines(f: number, rows: number) {
  return rawLines(rows, T0 + f * 600_000, 1000, f * rows);
}

export async function seedFiles(
  port: StoragePort,
  files: number,
  rows: number,
  first = 0,
): Promise<string[]> {
  const keys: string[] = [];
  for (let f = first; f < first + files; f++) {
    const key = `logs-raw/${String(f).padStart(3, '0')}.json.gz`;
    await port.put(key, ndjsonGz(fileLines(f, rows)));
    keys.push(key);
  }
  return keys;
}

/** The request numbers (`id=req-N`) of every row a forward query over the day returns, in order. */
export async function requestIds(lake: Lake, iterate?: (row: LogRow, i: number) => Promise<void>) {
  const ids: number[] = [];
  const result = lake.logs({
    org: 'acme',
    from: T0,
    to: T0 + 86_400_000,
    limit: 10_000_000,
    order: 'forward',
  });
  for await (const row of result) {
    ids.push(Number(/id=req-(\d+)/.exec(row.log_message)![1]));
    await iterate?.(row, ids.length - 1);
  }
  return ids;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Segment objects (tbl_/agg_) in the bucket for the org. */
export async function segmentObjects(port: StoragePort): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of port.list({ prefix: 'db/acme/' }))
    if (e.type === 'object' && /\/(tbl|agg)_\d+\.parquet$/.test(e.key)) keys.push(e.key);
  return keys.sort();
}

/** Objects the day's log and trace indexes list (live and replaced). */
export async function indexedObjects(port: StoragePort, dateint = DAY): Promise<string[]> {
  const { index } = await readDayIndex(port, 'acme', dateint);
  const { index: traces } = await readTraceDayIndex(port, 'acme', dateint);
  return [...index.segments.flatMap((s) => [s.table, s.agg]), ...traces.segments.map((s) => s.table)].sort();
}

/** The trace id of trace number `n` (the SDK's ids come from counters). */
export const traceHex = (n: number) => n.toString(16).padStart(32, '0');

/**
 * `files` OTLP protobuf trace files under `otel-raw/acme/c1/` (org and collector from the key), each of
 * `traces` checkout traces of four spans, one a second, each file 10 minutes after the previous one; trace
 * `f * traces + i + 1` is the i-th of file f. Returns the keys and every span as `traceId/spanId`, sorted.
 */
export async function seedTraceFiles(
  port: StoragePort,
  files: number,
  traces: number,
  first = 0,
): Promise<{ keys: string[]; spans: string[] }> {
  const keys: string[] = [];
  const spans: string[] = [];
  for (let f = first; f < first + files; f++) {
    const recorded = await sdkSpans(
      (p) => {
        for (let i = 0; i < traces; i++) recordCheckout(p, T0 + f * 600_000 + i * 1000, 100 + i);
      },
      `svc-${f % 3}`,
      counterIds(f * traces + 1),
    );
    const key = `otel-raw/acme/c1/traces_${String(f).padStart(3, '0')}.binpb`;
    await port.put(key, tracesProtobuf(recorded));
    keys.push(key);
    for (const span of recorded) spans.push(`${span.spanContext().traceId}/${span.spanContext().spanId}`);
  }
  return { keys, spans: spans.sort() };
}

/** Every span of the seeded day as `traceId/spanId`, sorted, through `lake.spans()`. */
export async function spanKeys(lake: Lake): Promise<string[]> {
  const { spans } = await lake.spans({ org: 'acme', from: T0, to: T0 + 86_400_000, limit: 10_000_000 });
  return spans.map((s) => `${s.span_trace_id}/${s.span_id}`).sort();
}
