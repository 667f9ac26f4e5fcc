/**
 * `lake.count(...)`: log counts per time step, split by labels. Read from the 10 s agg files when the query
 * only filters and groups by `log_level` and the stream field and its times fall on 10 s boundaries
 * (LakeRunner's `agg_*.parquet` use); otherwise from the tables.
 */
import { bkError } from '../../errors.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { LakeContext } from '../context.js';
import { compileLineRegex } from '../logql/regex.js';
import { AGG_BUCKET_MS } from '../segments/agg-bucket.js';
import { type AggDay, countFromAggFiles } from './agg-read.js';
import { type CompiledMatch, compileMatches, type LabelMatch, rowMatches } from './match.js';
import { type TextRequirement, textRequirements } from './message-filter.js';
import { columnOf, parquetFilter, querySegments, resolveWhere, timeRange, type Where } from './plan.js';
import { readParquetRows } from './read-parquet.js';
import { newStats, type QueryStats } from './stats.js';

export interface CountQuery {
  org: string;
  from: Date | number;
  to: Date | number;
  /** Step between points in milliseconds (default: the whole range, one point). */
  step?: number;
  /** Labels to split by (column names or aliases, e.g. `['level']`). */
  by?: readonly string[];
  where?: Where;
  /** Label matchers beyond equality (`!=`, `=~`, `!~`), as LogQL selectors use them. */
  match?: readonly LabelMatch[];
  contains?: string;
  regex?: RegExp | string;
  signal?: AbortSignal;
}

/** One series: its labels and `[step start ms, count]` points with a count above zero, in time order. */
export interface CountSeries {
  labels: Record<string, string>;
  points: [number, number][];
}

export interface CountResult {
  series: CountSeries[];
  stats: QueryStats;
}

/** A checked `count` query, as engines get it. */
export interface PreparedCount {
  range: { fromMs: number; toMs: number };
  step: number;
  /** Column names (aliases resolved). */
  by: string[];
  where: Map<string, string[]>;
  /** Label matchers, tested on each row (`rowMatches`), and the columns they name. */
  matches: CompiledMatch[];
  matchColumns: string[];
  regex: RegExp | undefined;
  /** True when `contains` or `regex` is set (the agg files cannot answer). */
  textFilter: boolean;
  /** What the messages must hold, for the message index (`textRequirements`). */
  text: readonly TextRequirement[];
  /** True when from, to and step fall on the agg files' 10 s buckets. */
  aligned: boolean;
}

/** Checks a count query and resolves its names. */
export function prepareCount(query: CountQuery): PreparedCount {
  const range = timeRange(query.from, query.to);
  const step = query.step ?? range.toMs - range.fromMs;
  if (!Number.isInteger(step) || step <= 0)
    throw bkError('InvalidArgument', 'step must be a whole number of ms > 0');
  if ((range.toMs - range.fromMs) / step > 1_000_000)
    throw bkError('InvalidArgument', 'too many steps (> 1,000,000)');
  const by = (query.by ?? []).map(columnOf);
  const where = resolveWhere(query.where);
  const matches = compileMatches(query.match);
  const matchColumns = matches.map((m) => m.column);
  const regex = typeof query.regex === 'string' ? compileLineRegex(query.regex) : query.regex;
  const textFilter = query.contains !== undefined || regex !== undefined;
  const aligned = [range.fromMs, range.toMs, step].every((t) => t % AGG_BUCKET_MS === 0);
  const text = textRequirements(query.contains, regex);
  return { range, step, by, where, matches, matchColumns, regex, textFilter, text, aligned };
}

/**
 * True when a segment's agg file can answer a prepared count: times on its 10 s buckets, no text filter, and
 * every condition, grouping and matcher on its level or stream field.
 *
 * @example
 * ```ts
 * const fromAgg = segments.filter((segment) => aggAnswers(prepareCount(query), segment));
 * ```
 */
export function aggAnswers(prepared: PreparedCount, segment: IndexedSegment): boolean {
  const aggColumns = ['log_level', segment.streamField];
  const { aligned, textFilter, where, by, matchColumns } = prepared;
  return (
    aligned &&
    !textFilter &&
    segment.aggBytes > 0 &&
    [...where.keys(), ...by, ...matchColumns].every((c) => aggColumns.includes(c))
  );
}

/**
 * Counts log rows.
 *
 * @example
 * ```ts
 * const { series } = await countLogs(ctx, { org: 'acme', from, to, step: 300_000, by: ['level'] });
 * ```
 */
export async function countLogs(ctx: LakeContext, query: CountQuery): Promise<CountResult> {
  const prepared = prepareCount(query);
  const engine = await ctx.engine?.();
  if (engine?.count) return engine.count(ctx, query, prepared);
  const { range, step, by, where, matches, matchColumns, regex, textFilter } = prepared;
  const stats = newStats();
  const zstd = await ctx.zstd();
  const { add, counter, series } = seriesCollector(range, step, by);
  const days = aggDays(query.org);
  for await (const segments of querySegments(ctx.port, query.org, range, where, stats, {
    signal: query.signal,
    matches,
    text: prepared.text,
    onIndex: days.onIndex,
  })) {
    for (const segment of segments) {
      if (aggAnswers(prepared, segment)) {
        days.add(segment);
        continue;
      }
      const columns = [
        ...new Set([
          'chq_timestamp',
          ...by,
          ...where.keys(),
          ...matchColumns,
          ...(textFilter ? ['log_message'] : []),
        ]),
      ];
      const rows = await readParquetRows(ctx.port, segment.table, segment.tableBytes, {
        zstd,
        stats,
        columns: columns.filter((c) => segment.columns.includes(c) || c === 'chq_timestamp'),
        filter: parquetFilter(range, where),
        signal: query.signal,
      });
      for (const row of rows) {
        const message = (row.log_message as string | undefined) ?? '';
        if (query.contains !== undefined && !message.includes(query.contains)) continue;
        if (regex !== undefined && !regex.test(message)) continue;
        if (!rowMatches(row, matches)) continue;
        add(labelsOf(row, by), Number(row.chq_timestamp), 1);
      }
    }
  }
  if (days.any()) {
    stats.usedAggFiles = true;
    await countFromAggFiles(ctx.port, days.list(), prepared, zstd, counter, stats, query.signal);
  }
  return { series: series(), stats };
}

/**
 * Collects a count's agg-answered segments per day, with each day's whole index (`onIndex` goes to
 * `querySegments`; `add` takes a segment of the day last indexed).
 *
 * @example
 * ```ts
 * const days = aggDays(org);
 * for await (const segments of querySegments(port, org, range, where, stats, { onIndex: days.onIndex })) ...
 * ```
 */
export function aggDays(org: string) {
  const days: AggDay[] = [];
  return {
    onIndex: (dateint: number, indexed: readonly IndexedSegment[]) => {
      days.push({ org, dateint, indexed, segments: [] });
    },
    add: (segment: IndexedSegment) => {
      (days.at(-1)!.segments as IndexedSegment[]).push(segment);
    },
    any: () => days.some((d) => d.segments.length > 0),
    list: (): AggDay[] => days.filter((d) => d.segments.length > 0),
  };
}

/**
 * Sums counts into series: `add(labels, ms, n)` puts `n` at the step holding `ms`; `counter(key, labels)`
 * gives the adder of one series by its key (the `by` values joined), for callers that add many counts to
 * few series; `series()` lists them sorted by labels, points in time order (what both engines return).
 */
export function seriesCollector(
  range: { fromMs: number; toMs: number },
  step: number,
  by: readonly string[],
) {
  const steps = Math.ceil((range.toMs - range.fromMs) / step);
  const dense = steps <= 100_000; // a typed array per series; sparse maps beyond
  const series = new Map<
    string,
    { labels: Record<string, string>; counts: Float64Array | Map<number, number>; add: AddAtStep }
  >();
  const counter = (key: string, labels: () => Record<string, string>): AddAtStep => {
    let entry = series.get(key);
    if (!entry) {
      const counts = dense ? new Float64Array(steps) : new Map<number, number>();
      const add: AddAtStep =
        counts instanceof Float64Array
          ? (index, n) => {
              counts[index]! += n;
            }
          : (index, n) => {
              counts.set(index, (counts.get(index) ?? 0) + n);
            };
      entry = { labels: labels(), counts, add };
      series.set(key, entry);
    }
    return entry.add;
  };
  const add = (labels: Record<string, string>, ms: number, n: number) =>
    counter(by.map((c) => labels[c] ?? '').join('\u0000'), () => labels)(
      Math.floor((ms - range.fromMs) / step),
      n,
    );
  const list = (): CountSeries[] => {
    const out = [...series.values()].map(({ labels, counts }) => {
      const points: [number, number][] = [];
      if (counts instanceof Float64Array) {
        counts.forEach((n, index) => {
          if (n > 0) points.push([range.fromMs + index * step, n]);
        });
      } else {
        for (const [index, n] of [...counts].sort((x, y) => x[0] - y[0]))
          points.push([range.fromMs + index * step, n]);
      }
      return { labels, points };
    });
    out.sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
    return out;
  };
  return { add, counter, series: list };
}

/** Adds `n` at a step (by its index from the range's start). */
export type AddAtStep = (stepIndex: number, n: number) => void;

/** The labels of a row: the `by` columns that have a non-empty value, as text. */
export function labelsOf(row: Record<string, unknown>, by: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of by) {
    const value = row[name];
    if (value !== null && value !== undefined && value !== '') labels[name] = String(value);
  }
  return labels;
}
