/**
 * What the DuckDB engine's queries share: one connection per operation (interrupted by the caller's
 * AbortSignal), the SQL of the time and `where` conditions, and the local files of a set of segments.
 */
import { bkError, throwIfAborted } from '../../../errors.js';
import type { StoragePort } from '../../../storage/index.js';
import { exactText } from '../../parquet/exact-text.js';
import type { TimeRange } from '../../query/plan.js';
import type { QueryStats } from '../../query/stats.js';
import type { SegmentFileCache } from './files.js';
import { type DuckdbConnection, type DuckdbInstance, duckdbCall, sqlName, sqlString } from './load.js';

/**
 * Runs `work` on a fresh connection, interrupted when `signal` aborts, closed afterwards.
 *
 * @example
 * ```ts
 * const rows = await withConnection(db, signal, (con) => con.runAndReadAll('SELECT 1'));
 * ```
 */
export async function withConnection<T>(
  db: DuckdbInstance,
  signal: AbortSignal | undefined,
  work: (con: DuckdbConnection) => Promise<T>,
): Promise<T> {
  throwIfAborted(signal);
  const con = await duckdbCall('connecting', () => db.connect());
  const interrupt = () => con.interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  try {
    return await work(con);
  } finally {
    signal?.removeEventListener('abort', interrupt);
    con.closeSync();
  }
}

/** The SQL condition for a time range and equality conditions (the Parquet filter of the TS engine). */
export function conditionSql(range: TimeRange, where: Map<string, string[]>, timeColumn = 'chq_timestamp') {
  const time = sqlName(timeColumn);
  const parts = [`${time} >= ${range.fromMs} AND ${time} < ${range.toMs}`];
  for (const [column, values] of where) {
    if (values.length === 0) {
      parts.push('false');
      continue;
    }
    const literals = column === 'chq_fingerprint' ? values.map(fingerprintLiteral) : values.map(sqlString);
    parts.push(`${sqlName(column)} IN (${literals.join(', ')})`);
  }
  return parts.join(' AND ');
}

function fingerprintLiteral(value: string): string {
  try {
    return BigInt(value).toString();
  } catch (err) {
    throw bkError('InvalidArgument', `fingerprint ${JSON.stringify(value)} is not an integer`, {
      cause: err,
    });
  }
}

/** `read_parquet` over local files, columns matched by name (segments may have different columns). */
export function readParquetSql(paths: readonly string[], extra = ''): string {
  return `read_parquet([${paths.map(sqlString).join(', ')}], union_by_name = true${extra})`;
}

/**
 * Local paths of segment files, fetched in parallel (a few at a time).
 *
 * @example
 * ```ts
 * const paths = await localPaths(files, port, window.map((s) => [s.table, s.tableBytes]), stats);
 * ```
 */
export async function localPaths(
  files: SegmentFileCache,
  port: StoragePort,
  objects: readonly (readonly [key: string, size: number])[],
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<string[]> {
  const paths = new Array<string>(objects.length);
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const i = next++;
      const [key, size] = objects[i]!;
      paths[i] = await files.path(port, key, size, stats, signal);
      stats.segmentsRead++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, objects.length) }, worker));
  return paths;
}

/** Rows of a query, streamed chunk by chunk; the connection closes when the caller stops. */
export async function* streamRows(
  db: DuckdbInstance,
  sql: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Record<string, unknown>> {
  throwIfAborted(signal);
  const con = await duckdbCall('connecting', () => db.connect());
  const interrupt = () => con.interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  try {
    const result = await duckdbCall('reading segments', () => con.stream(sql));
    const chunks = result.yieldRowObjectJs()[Symbol.asyncIterator]();
    for (;;) {
      const next = await duckdbCall('reading segments', () => chunks.next());
      if (next.done) break;
      yield* next.value;
    }
  } finally {
    signal?.removeEventListener('abort', interrupt);
    con.closeSync();
  }
}

/**
 * A result row with its text columns (selected as bytes with `encode(...)`) decoded exactly, in place:
 * the DuckDB client's own decoder drops a leading U+FEFF, which in a message or a label is data.
 *
 * @example
 * ```ts
 * for await (const raw of streamRows(db, `SELECT encode(log_message) AS log_message FROM t`)) textColumns(raw);
 * ```
 */
export function textColumns(row: Record<string, unknown>): Record<string, unknown> {
  for (const name in row) {
    const value = row[name];
    if (value instanceof Uint8Array) row[name] = exactText(value);
  }
  return row;
}
