/**
 * `lake.logs(...)`: the rows of an org in a time range, newest or oldest first, pruned by the index (time,
 * columns, exact values) and by Parquet row-group statistics, then filtered by substring or regex.
 * Segments are read in windows of overlapping time ranges, so rows come out in time order while only one
 * window's matches are held in memory.
 */
import { bkError } from '../../errors.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { LakeContext } from '../context.js';
import { compileLineRegex } from '../logql/regex.js';
import { type CompiledMatch, compileMatches, type LabelMatch, rowMatches } from './match.js';
import { type TextRequirement, textRequirements } from './message-filter.js';
import { parquetFilter, querySegments, resolveWhere, type TimeRange, timeRange, type Where } from './plan.js';
import { type ParquetRow, readParquetRows, readRowsWithMessage } from './read-parquet.js';
import { newStats, type QueryStats } from './stats.js';

/** A log row as queries return it: the columns it has (nulls left out). */
export type LogRow = Readonly<Record<string, string | number | bigint>> & {
  readonly chq_timestamp: number;
  readonly chq_tsns: bigint;
  readonly log_message: string;
};

export interface LogsQuery {
  org: string;
  /** Start (inclusive): a Date or epoch milliseconds. */
  from: Date | number;
  /** End (exclusive). */
  to: Date | number;
  /** Equality conditions on columns (aliases: level, service, namespace, cluster, pod, fingerprint). */
  where?: Where;
  /** Label matchers beyond equality (`!=`, `=~`, `!~`), as LogQL selectors use them. */
  match?: readonly LabelMatch[];
  /** Keeps rows whose message contains this text (case-sensitive). */
  contains?: string;
  /** Keeps rows whose message matches. */
  regex?: RegExp | string;
  /** Most rows returned (default 1000). */
  limit?: number;
  /** `backward` (newest first, the default, as Loki) or `forward`. */
  order?: 'forward' | 'backward';
  signal?: AbortSignal;
}

/** The rows, as an async iterable, and what reading them cost so far. */
export interface LogsResult extends AsyncIterable<LogRow> {
  readonly stats: QueryStats;
}

/**
 * Runs a log query.
 *
 * @example
 * ```ts
 * const result = queryLogs(ctx, { org: 'acme', from: Date.now() - 3_600_000, to: Date.now(), where: { level: 'ERROR' } });
 * for await (const row of result) console.log(row.log_message);
 * console.log(result.stats.bytesRead);
 * ```
 */
export function queryLogs(ctx: LakeContext, query: LogsQuery): LogsResult {
  const stats = newStats();
  const range = timeRange(query.from, query.to);
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 0)
    throw bkError('InvalidArgument', 'limit must be a whole number ≥ 0');
  const regex = typeof query.regex === 'string' ? compileLineRegex(query.regex) : query.regex;
  const keep = (message: string) =>
    (query.contains === undefined || message.includes(query.contains)) &&
    (regex === undefined || regex.test(message));
  const matches = compileMatches(query.match);
  const text = textRequirements(query.contains, regex);
  const prepared: PreparedLogs = { query, range, limit, regex, keep, matches, text };
  return {
    stats,
    [Symbol.asyncIterator]: () => withEngine(ctx, prepared, stats)[Symbol.asyncIterator](),
  };
}

/** A checked `logs` query, as engines get it. */
export interface PreparedLogs {
  query: LogsQuery;
  range: TimeRange;
  limit: number;
  regex: RegExp | undefined;
  /** The text filters (`contains`, `regex`) applied to a message. */
  keep: (message: string) => boolean;
  /** Label matchers, tested on each row (`rowMatches`). */
  matches: readonly CompiledMatch[];
  /** What the messages must hold, for the message index (`textRequirements`). */
  text: readonly TextRequirement[];
}

async function* withEngine(
  ctx: LakeContext,
  prepared: PreparedLogs,
  stats: QueryStats,
): AsyncGenerator<LogRow> {
  const engine = await ctx.engine?.();
  if (engine?.logs) yield* engine.logs(ctx, prepared, stats);
  else yield* run(ctx, prepared, stats);
}

async function* run(ctx: LakeContext, prepared: PreparedLogs, stats: QueryStats): AsyncGenerator<LogRow> {
  const { query, range, limit, keep, matches, text } = prepared;
  const textFilter = query.contains !== undefined || prepared.regex !== undefined;
  if (limit === 0) return;
  const backward = (query.order ?? 'backward') === 'backward';
  const where = resolveWhere(query.where);
  const filter = parquetFilter(range, where);
  const zstd = await ctx.zstd();
  let sent = 0;
  for await (const segments of querySegments(ctx.port, query.org, range, where, stats, {
    backward,
    signal: query.signal,
    matches,
    text,
  })) {
    for (const window of overlapWindows(segments, backward)) {
      const rows: LogRow[] = [];
      for (const segment of window) {
        const read = textFilter
          ? await readRowsWithMessage(ctx.port, segment.table, segment.tableBytes, keep, {
              zstd,
              stats,
              range,
              where,
              signal: query.signal,
            })
          : await readParquetRows(ctx.port, segment.table, segment.tableBytes, {
              zstd,
              stats,
              filter,
              signal: query.signal,
            });
        for (const raw of read) {
          const row = toLogRow(raw);
          if (keep(row.log_message) && rowMatches(row, matches)) rows.push(row);
        }
      }
      rows.sort((a, b) => (a.chq_tsns === b.chq_tsns ? 0 : a.chq_tsns < b.chq_tsns !== backward ? -1 : 1));
      for (const row of rows) {
        yield row;
        if (++sent >= limit) return;
      }
    }
  }
}

/** Groups segments whose time ranges overlap (transitively), ordered for the query's direction. */
export function overlapWindows(segments: readonly IndexedSegment[], backward: boolean): IndexedSegment[][] {
  const sorted = [...segments].sort((a, b) => (backward ? b.endMs - a.endMs : a.startMs - b.startMs));
  const windows: IndexedSegment[][] = [];
  let edge = 0;
  for (const segment of sorted) {
    const current = windows.at(-1);
    const overlaps = current && (backward ? segment.endMs > edge : segment.startMs < edge);
    if (current && overlaps) {
      current.push(segment);
      edge = backward ? Math.min(edge, segment.startMs) : Math.max(edge, segment.endMs);
    } else {
      windows.push([segment]);
      edge = backward ? segment.startMs : segment.endMs;
    }
  }
  return windows;
}

/**
 * A segment row as `logs()` yields it: nulls dropped, `chq_timestamp` as a number, `log_message` always set.
 *
 * @example
 * ```ts
 * const row = toLogRow({ chq_timestamp: 1767312000000n, log_message: null, log_level: 'INFO' });
 * ```
 */
export function toLogRow(raw: ParquetRow): LogRow {
  const row: Record<string, string | number | bigint> = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === null || value === undefined) continue;
    if (name === 'chq_timestamp') row[name] = Number(value);
    else row[name] = value as string | bigint;
  }
  row.log_message ??= '';
  return row as LogRow;
}
