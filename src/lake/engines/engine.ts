/**
 * The engines of a lake. Every engine writes and reads the same segments (LakeRunner's schema, names,
 * sort order and index entries); what differs is the code that turns rows into Parquet and answers
 * queries. Planning, the index and its compare-and-swap are shared, so both engines publish through
 * one code path. The TypeScript engine is the default of every hook; the DuckDB engine
 * (`./duckdb/`) overrides them and is only ever loaded by a dynamic import.
 */
import type { LakeContext } from '../context.js';
import type { MetricColumns } from '../metrics/columns.js';
import type { CountQuery, CountResult, PreparedCount } from '../query/count.js';
import type { LogRow, PreparedLogs } from '../query/logs.js';
import type { SqlResult, SqlSource } from '../query/sql.js';
import type { QueryStats } from '../query/stats.js';
import type { LogBuffer } from '../segments/log-buffer.js';
import { type MessageIndexRef, withMessageIndex } from '../segments/message-index.js';
import { writeAggFile, writeTableFile } from '../segments/write.js';

/** An engine that exists. */
export type EngineName = 'typescript' | 'duckdb';
/** What `openLake(port, { engine })` takes: `auto` picks DuckDB when `@duckdb/node-api` is installed. */
export type EngineChoice = 'auto' | EngineName;

/**
 * What functions that write tables outside a lake take as `engine` (`ingestMetricsObject`, `rollupMetrics`,
 * the metric receivers): a choice (default `auto`), an engine, or a lake's `loadEngine` to share its engine.
 */
export type EngineOption = EngineChoice | LakeEngine | (() => Promise<LakeEngine>);

/** One segment's two files, ready to be put. */
export interface SegmentFiles {
  table: Uint8Array;
  agg: Uint8Array;
}

/** A segment's files as published: the table carries the message index (`segments/message-index.ts`). */
export interface IndexedSegmentFiles extends SegmentFiles {
  messageIndex: MessageIndexRef;
}

/** The hooks an engine may override; a missing hook runs the TypeScript code. */
export interface LakeEngine {
  readonly name: EngineName;
  /** Sorts the buffer's rows and writes the table and agg files. */
  writeSegment?(rows: LogBuffer, streamField: string): Promise<SegmentFiles>;
  /**
   * Writes a metric table from cooked rows in columns, in their order, with the TypeScript writer's
   * columns, column order and types (`metrics/table.ts`).
   */
  writeMetricTable?(rows: MetricColumns): Promise<Uint8Array>;
  /** The rows of a prepared `logs` query, in the query's order, at most `limit`. */
  logs?(ctx: LakeContext, prepared: PreparedLogs, stats: QueryStats): AsyncIterable<LogRow>;
  count?(ctx: LakeContext, query: CountQuery, prepared: PreparedCount): Promise<CountResult>;
  /** Runs an analyst's SQL over a view of the given segments (`lake.sql`). */
  sql?(
    ctx: LakeContext,
    source: SqlSource,
    query: string,
    stats: QueryStats,
    signal?: AbortSignal,
  ): Promise<SqlResult>;
  /** Releases what the engine holds (native database, temporary files). */
  close?(): Promise<void>;
}

/** The TypeScript engine: hyparquet-writer and hyparquet, in Node and in browsers. */
export const TYPESCRIPT_ENGINE: LakeEngine = { name: 'typescript' };

/**
 * Writes one segment's files with the lake's engine, the message index spliced into the table.
 *
 * @example
 * ```ts
 * const { table, agg } = await writeSegmentFiles(ctx, rows);
 * ```
 */
export async function writeSegmentFiles(ctx: LakeContext, rows: LogBuffer): Promise<IndexedSegmentFiles> {
  const engine = await ctx.engine?.();
  let files: SegmentFiles;
  if (engine?.writeSegment) files = await engine.writeSegment(rows, ctx.streamField);
  else {
    const zstd = await ctx.zstd();
    files = {
      table: writeTableFile(rows, ctx.streamField, zstd),
      agg: writeAggFile(rows, ctx.streamField, zstd),
    };
  }
  return { ...withMessageIndex(files.table, rows), agg: files.agg };
}
