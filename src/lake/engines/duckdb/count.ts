/**
 * `lake.count(...)` on DuckDB: the same plan and the same choice per segment as the TypeScript engine
 * (the 10 s agg files when the query allows, else the tables), with the grouping done in SQL. Only a
 * regex is evaluated in JavaScript, on the streamed timestamps and messages, for the same semantics.
 */
import type { IndexedSegment } from '../../catalog/day-index.js';
import type { LakeContext } from '../../context.js';
import { exactText } from '../../parquet/exact-text.js';
import { countFromAggFiles } from '../../query/agg-read.js';
import {
  aggAnswers,
  aggDays,
  type CountQuery,
  type CountResult,
  labelsOf,
  type PreparedCount,
  seriesCollector,
} from '../../query/count.js';
import { rowMatches } from '../../query/match.js';
import { querySegments } from '../../query/plan.js';
import { newStats, type QueryStats } from '../../query/stats.js';
import type { SegmentFileCache } from './files.js';
import { type DuckdbInstance, sqlName, sqlString } from './load.js';
import { conditionSql, localPaths, readParquetSql, streamRows, textColumns } from './run.js';

/**
 * Counts log rows.
 *
 * @example
 * ```ts
 * const { series } = await duckdbCount(db, files, ctx, query, prepareCount(query));
 * ```
 */
export async function duckdbCount(
  db: DuckdbInstance,
  files: SegmentFileCache,
  ctx: LakeContext,
  query: CountQuery,
  prepared: PreparedCount,
): Promise<CountResult> {
  const { range, step, by, where, matches, matchColumns, regex } = prepared;
  // label matchers run in JavaScript on the grouped rows: their columns are grouped by too
  const extra = matchColumns.filter((c) => !by.includes(c));
  const stats = newStats();
  const { add, counter, series } = seriesCollector(range, step, by);
  const fromAgg = aggDays(query.org);
  const fromTables: IndexedSegment[] = [];
  for await (const segments of querySegments(ctx.port, query.org, range, where, stats, {
    signal: query.signal,
    matches,
    text: prepared.text,
    onIndex: fromAgg.onIndex,
  })) {
    for (const segment of segments) {
      if (aggAnswers(prepared, segment)) fromAgg.add(segment);
      else fromTables.push(segment);
    }
  }
  const run = {
    db,
    files,
    ctx,
    query,
    stats,
    by,
    add: (row: Record<string, unknown>, ms: number, n: number) => {
      const exact = textColumns(row);
      if (rowMatches(exact, matches)) add(labelsOf(exact, by), ms, n);
    },
  };
  if (fromAgg.any()) {
    // the agg files are small and many: the shared reader (day counts, whole-file GETs, a cache, no SQL) is faster
    stats.usedAggFiles = true;
    await countFromAggFiles(
      ctx.port,
      fromAgg.list(),
      prepared,
      await ctx.zstd(),
      counter,
      stats,
      query.signal,
    );
  }
  if (fromTables.length > 0) {
    const has = (column: string) => fromTables.some((s) => s.columns.includes(column));
    let condition = conditionSql(range, where);
    if (query.contains !== undefined)
      condition += ` AND contains(coalesce(log_message, ''), ${sqlString(query.contains)})`;
    const objects = fromTables.map((s) => [s.table, s.tableBytes] as const);
    const labels = labelColumns([...by, ...extra], has);
    if (regex === undefined) {
      await groupCounts(run, objects, {
        time: 'chq_timestamp',
        labels,
        condition,
        count: 'count(*)',
        range,
        step,
      });
    } else {
      const paths = await localPaths(files, ctx.port, objects, stats, query.signal);
      const sql = `SELECT chq_timestamp, ${labels}encode(coalesce(log_message, '')) AS log_message
        FROM ${readParquetSql(paths)} WHERE ${condition}`;
      for await (const row of streamRows(db, sql, query.signal)) {
        stats.rowsScanned++;
        if (regex.test(exactText(row.log_message as Uint8Array))) run.add(row, Number(row.chq_timestamp), 1);
      }
    }
  }
  return { series: series(), stats };
}

/**
 * `encode("a") AS "a", NULL AS "b", ` for the label columns (a column no file has is NULL). Text comes out
 * as bytes, decoded by {@link textColumns}: the DuckDB client's decoder drops a leading U+FEFF.
 */
function labelColumns(by: readonly string[], has: (column: string) => boolean): string {
  return by.map((c) => `${has(c) ? `encode(${sqlName(c)})` : 'NULL'} AS ${sqlName(c)}, `).join('');
}

async function groupCounts(
  run: {
    db: DuckdbInstance;
    files: SegmentFileCache;
    ctx: LakeContext;
    query: CountQuery;
    stats: QueryStats;
    /** Counts a result row (label matchers tested first). */
    add: (row: Record<string, unknown>, ms: number, n: number) => void;
    by: readonly string[];
  },
  objects: readonly (readonly [string, number])[],
  shape: {
    time: string;
    labels: string;
    condition: string;
    count: string;
    range: { fromMs: number };
    step: number;
  },
) {
  const { db, files, ctx, query, stats, add } = run;
  const paths = await localPaths(files, ctx.port, objects, stats, query.signal);
  const { fromMs } = shape.range;
  const sql = `SELECT ${fromMs} + ((${sqlName(shape.time)} - ${fromMs}) // ${shape.step}) * ${shape.step} AS _at,
      ${shape.labels}${shape.count} AS _n
    FROM ${readParquetSql(paths)} WHERE ${shape.condition} GROUP BY ALL`;
  for await (const row of streamRows(db, sql, query.signal)) {
    stats.rowsScanned++;
    add(row, Number(row._at), Number(row._n));
  }
}
