/**
 * `lake.logs(...)` on DuckDB: the same plan as the TypeScript engine (day indexes, pruning, windows of
 * overlapping segments), then one SQL query per window over the segments' local files. Rows come out in
 * exactly the TypeScript engine's order: by `chq_tsns` in the query's direction, ties in window order
 * and then file order. `contains` runs in SQL; a regex runs in JavaScript on the streamed rows, so
 * both engines use the same regex semantics (DuckDB's RE2 differs from JavaScript's).
 */
import type { LakeContext } from '../../context.js';
import type { LogRow, PreparedLogs } from '../../query/logs.js';
import { overlapWindows, toLogRow } from '../../query/logs.js';
import { rowMatches } from '../../query/match.js';
import { querySegments, resolveWhere } from '../../query/plan.js';
import type { QueryStats } from '../../query/stats.js';
import type { SegmentFileCache } from './files.js';
import { type DuckdbInstance, sqlString } from './load.js';
import { conditionSql, localPaths, readParquetSql, streamRows, textColumns } from './run.js';

/** The segments' integer columns; every other column is text. */
const NUMBERS = ['chq_timestamp', 'chq_tsns', 'chq_fingerprint'];

/**
 * The rows of a prepared query.
 *
 * @example
 * ```ts
 * for await (const row of duckdbLogs(db, files, ctx, prepared, stats)) console.log(row.log_message);
 * ```
 */
export async function* duckdbLogs(
  db: DuckdbInstance,
  files: SegmentFileCache,
  ctx: LakeContext,
  prepared: PreparedLogs,
  stats: QueryStats,
): AsyncGenerator<LogRow> {
  const { query, range, limit, regex, matches, text } = prepared;
  // rows filtered in JavaScript (regex, label matchers) keep the limit out of SQL
  const inSqlOnly = regex === undefined && matches.length === 0;
  if (limit === 0) return;
  const backward = (query.order ?? 'backward') === 'backward';
  const where = resolveWhere(query.where);
  let condition = conditionSql(range, where);
  if (query.contains !== undefined)
    condition += ` AND contains(coalesce(log_message, ''), ${sqlString(query.contains)})`;
  let sent = 0;
  for await (const segments of querySegments(ctx.port, query.org, range, where, stats, {
    backward,
    signal: query.signal,
    matches,
    text,
  })) {
    for (const window of overlapWindows(segments, backward)) {
      const objects = window.map((s) => [s.table, s.tableBytes] as const);
      const paths = await localPaths(files, ctx.port, objects, stats, query.signal);
      const order = `chq_tsns ${backward ? 'DESC' : 'ASC'}, list_position([${paths.map(sqlString).join(', ')}], filename), file_row_number`;
      // text columns come out as bytes and are decoded here: the DuckDB client's own decoder drops a
      // leading U+FEFF, which in a log message is data
      const sql = `SELECT ${NUMBERS.join(', ')}, encode(COLUMNS(c -> c NOT IN (${[...NUMBERS, 'filename', 'file_row_number'].map(sqlString).join(', ')})))
        FROM ${readParquetSql(paths, ', filename = true, file_row_number = true')}
        WHERE ${condition} ORDER BY ${order}${inSqlOnly ? ` LIMIT ${limit - sent}` : ''}`;
      const rows = streamRows(db, sql, query.signal);
      for await (const raw of rows) {
        stats.rowsScanned++;
        const row = toLogRow(textColumns(raw));
        if (regex !== undefined && !regex.test(row.log_message)) continue;
        if (!rowMatches(row, matches)) continue;
        yield row;
        if (++sent >= limit) return;
      }
    }
  }
}
