/**
 * `lake.sql` on DuckDB: on a connection of its own, a temporary view named by the signal over the selected
 * segments' local files (`read_parquet(..., union_by_name)`, rows of `[from, to)`), then the analyst's
 * query. Text columns come out as bytes and are decoded exactly (the client's decoder drops a leading
 * U+FEFF). A query that does not parse or bind is `InvalidArgument`.
 */
import type { StoragePort } from '../../../storage/index.js';
import type { LakeSignal, SqlColumn, SqlResult, SqlSource } from '../../query/sql.js';
import type { QueryStats } from '../../query/stats.js';
import type { SegmentFileCache } from './files.js';
import { type DuckdbInstance, duckdbCall, sqlName } from './load.js';
import { localPaths, readParquetSql, textColumns, withConnection } from './run.js';

/** The columns every segment of a signal has: the view's shape when the range holds no segment. */
const EMPTY_VIEWS: Record<LakeSignal, string> = {
  logs: 'NULL::BIGINT AS chq_timestamp, NULL::BIGINT AS chq_tsns, NULL::BIGINT AS chq_fingerprint, NULL::VARCHAR AS log_message, NULL::VARCHAR AS log_level',
  metrics:
    'NULL::VARCHAR AS metric_name, NULL::BIGINT AS chq_tid, NULL::BIGINT AS chq_timestamp, NULL::VARCHAR AS chq_metric_type, NULL::DOUBLE AS chq_value, NULL::DOUBLE AS chq_rollup_count, NULL::DOUBLE AS chq_rollup_sum',
  traces:
    'NULL::BIGINT AS chq_timestamp, NULL::VARCHAR AS span_trace_id, NULL::VARCHAR AS span_id, NULL::VARCHAR AS span_parent_span_id, NULL::VARCHAR AS span_name, NULL::VARCHAR AS span_kind, NULL::VARCHAR AS span_status_code, NULL::BIGINT AS span_duration',
};

/**
 * Runs `query` over a view of `source`'s segments.
 *
 * @example
 * ```ts
 * const result = await duckdbSql(db, files, port, source, 'SELECT count(*) AS n FROM logs', stats);
 * ```
 */
export async function duckdbSql(
  db: DuckdbInstance,
  files: SegmentFileCache,
  port: StoragePort,
  source: SqlSource,
  query: string,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<SqlResult> {
  const paths = await localPaths(files, port, source.objects, stats, signal);
  return withConnection(db, signal, async (con) => {
    const view = sqlName(source.view);
    const body =
      paths.length === 0
        ? `SELECT ${EMPTY_VIEWS[source.view]} WHERE false`
        : `SELECT * FROM ${readParquetSql(paths)} WHERE chq_timestamp >= ${source.fromMs} AND chq_timestamp < ${source.toMs}`;
    await duckdbCall('creating the view', () => con.run(`CREATE OR REPLACE TEMP VIEW ${view} AS ${body}`));
    const statement = query.trim().replace(/;\s*$/, '');
    const described = await duckdbCall(
      'running the query',
      async () => (await con.runAndReadAll(`DESCRIBE ${statement}`)).getRowObjectsJS(),
      'InvalidArgument',
    );
    const columns: SqlColumn[] = described.map((r) => ({
      name: String(r.column_name),
      type: String(r.column_type),
    }));
    const select = columns
      .map(
        (c, i) =>
          `${c.type === 'VARCHAR' ? `encode(q.${sqlName(c.name)})` : `q.${sqlName(c.name)}`} AS c${i}`,
      )
      .join(', ');
    const reader = await duckdbCall('running the query', () =>
      con.runAndReadAll(`SELECT ${select || '1 AS c0'} FROM (${statement}) AS q`),
    );
    const rows = reader.getRowObjectsJS().map((raw) => {
      const decoded = textColumns(raw as Record<string, unknown>);
      const row: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        row[c.name] = decoded[`c${i}`];
      });
      return row;
    });
    stats.rowsScanned += rows.length;
    return { columns, rows, stats };
  });
}
