import type { StoragePort } from '../../storage/index.js';
import { dateintOf, newSegmentId, segmentKeys } from '../names.js';
import { decodeOtlpObject } from '../otlp/object.js';
import { loadZstd, type ZstdCodec } from '../parquet/zstd.js';
import { type TraceSegment, updateTraceDayIndex } from './catalog.js';
import { createSpanCooker } from './cook.js';
import type { DecodedSpan } from './decoded.js';
import { decodeOtlpTracesJson } from './otlp-json.js';
import { decodeOtlpTracesProtobuf } from './otlp-protobuf.js';
import type { SpanRow } from './row.js';
import { buildTraceSegment } from './segment.js';

export interface TraceIngestOptions {
  org: string;
  /** Second path element of the cooked keys (default `default`). */
  collector?: string;
  /** Rows per table file (default 50,000): bounds ingest memory. */
  segmentRows?: number;
  zstd?: ZstdCodec;
  /** Write the index without conditions (only when this process is the only writer). */
  singleWriter?: boolean;
  signal?: AbortSignal;
}

export interface TraceIngestResult {
  spans: number;
  segments: TraceSegment[];
  /** True when every day already held a segment of this object at this ETag. */
  alreadyIngested: boolean;
}

/** A trace segment's table key. */
export function traceTableKey(
  org: string,
  collector: string,
  dateint: number,
  firstMs: number,
  id: string,
): string {
  return segmentKeys({ org, collector, dateint, firstMs, id, signal: 'traces' }).table;
}

/**
 * Decodes a raw traces object by its suffix.
 *
 * @example
 * ```ts
 * for await (const span of decodeTracesObject(port, 'otel-raw/acme/c1/traces_1.binpb.gz')) use(span);
 * ```
 */
export async function* decodeTracesObject(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): AsyncGenerator<DecodedSpan> {
  yield* decodeOtlpObject(
    port,
    key,
    'traces',
    { protobuf: decodeOtlpTracesProtobuf, json: decodeOtlpTracesJson },
    signal,
  );
}

/**
 * Ingests one raw OTLP traces object into the lake.
 *
 * @example
 * ```ts
 * const result = await ingestTracesObject(port, 'otel-raw/acme/c1/traces_1.binpb', { org: 'acme' });
 * ```
 */
export async function ingestTracesObject(
  port: StoragePort,
  key: string,
  options: TraceIngestOptions,
): Promise<TraceIngestResult> {
  const { signal } = options;
  const zstd = options.zstd ?? (await loadZstd());
  const collector = options.collector ?? 'default';
  const limit = options.segmentRows ?? 50_000;
  const info = await port.head(key, { signal });
  const source = `${key}@${info.etag}`;
  const cook = await createSpanCooker();
  const nowMs = Date.now();
  const buffered = new Map<number, SpanRow[]>();
  const written = new Map<number, TraceSegment[]>();
  const flush = async (dateint: number, rows: SpanRow[]) => {
    const segment = await writeTraceSegment(
      port,
      { org: options.org, zstd, signal },
      { collector, dateint, rows },
    );
    const list = written.get(dateint);
    if (list) list.push(segment);
    else written.set(dateint, [segment]);
  };
  let spans = 0;
  try {
    for await (const span of decodeTracesObject(port, key, signal)) {
      const row = cook(span, options.org, nowMs);
      spans++;
      const day = dateintOf(row.chq_timestamp);
      const rows = buffered.get(day) ?? [];
      if (rows.length === 0) buffered.set(day, rows);
      rows.push(row);
      if (rows.length >= limit) {
        buffered.set(day, []);
        await flush(day, rows);
      }
    }
    for (const [day, rows] of buffered) if (rows.length > 0) await flush(day, rows);
  } catch (err) {
    await deleteTables(port, [...written.values()].flat(), signal);
    throw err;
  }
  const segments: TraceSegment[] = [];
  let alreadyIngested = written.size > 0;
  for (const [dateint, daySegments] of written) {
    for (const segment of daySegments) segment.sources = [source];
    let added = false;
    await updateTraceDayIndex(
      port,
      options.org,
      dateint,
      (index) => {
        added = !index.segments.some((s) => s.sources.includes(source));
        if (!added) return undefined;
        index.segments.push(...daySegments);
        return index;
      },
      options,
    );
    if (added) {
      segments.push(...daySegments);
      alreadyIngested = false;
    } else await deleteTables(port, daySegments, signal);
  }
  return { spans, segments, alreadyIngested };
}

async function deleteTables(port: StoragePort, segments: TraceSegment[], signal?: AbortSignal) {
  for (const segment of segments) await port.delete(segment.table, { signal }).catch(() => undefined);
}

/** Writes rows of one day as a table and returns its (not yet published) index entry. */
export async function writeTraceSegment(
  port: StoragePort,
  options: { org: string; zstd: ZstdCodec; signal?: AbortSignal },
  at: { collector: string; dateint: number; rows: SpanRow[] },
): Promise<TraceSegment> {
  const built = buildTraceSegment(at.rows, { ...at, org: options.org, id: newSegmentId() }, options.zstd);
  // an MD5 ETag (no `etag: 'any'`): ports that keep it check it on whole reads (DuckDB's in-place reads)
  await port.put(built.segment.table, built.table, {
    contentType: 'application/vnd.apache.parquet',
    signal: options.signal,
  });
  return built.segment;
}
