/**
 * A `LogBuffer`'s rows into DuckDB as data chunks of numbers, one native call per 2,048 rows and
 * column, instead of one `append…` call per value (that call, ~140 ns, was most of the DuckDB engine's
 * transfer: ~11 values a row). What goes in per row:
 * - `chq_timestamp` as a DOUBLE (whole milliseconds, exact below 2^53);
 * - `chq_tsns` and `chq_fingerprint` as the two 32-bit words of the buffer's typed arrays (no BigInt per
 *   value), put back together in SQL;
 * - the message as a BLOB viewing the buffer's UTF-8 arena (never decoded to a JavaScript string), made
 *   text again by `decode()`, which keeps every byte (a NUL or a leading U+FEFF too);
 * - each other text column as its dictionary code (`StringColumn.codes`), looked up in SQL in a list
 *   literal of the column's distinct values; a column holding values past its dictionary's cap (ids),
 *   or a value SQL text cannot carry (NUL), goes in as text per row instead.
 * Nothing is null in a chunk (the client's validity masks cost a BigInt operation per null): nulls are
 * codes (−1) or flags, made NULL in SQL.
 */
import type {
  DuckDBAppender,
  DuckDBDataChunk,
  DuckDBType,
  DuckDBValue,
  DuckDBVector,
} from '@duckdb/node-api';
import type { StringColumn } from '../../segments/columns.js';
import type { LogBuffer } from '../../segments/log-buffer.js';
import type { DuckdbApi } from './load.js';
import { sqlName, sqlString } from './load.js';

/** DuckDB's vector size: the most rows a data chunk holds. */
const CHUNK_ROWS = 2048;

/** One text column of the segment and how it travels. */
export interface TextColumn {
  /** The segment's column name. */
  readonly name: string;
  readonly column: StringColumn;
  /** `code`: an INTEGER per row and a list of values; `text`: a VARCHAR per row. */
  readonly kind: 'code' | 'text';
  /** The value of a row without one (`chq_customer_id` is '' rather than null). */
  readonly missing: string | null;
}

/** How each text column travels: codes when every row's value is in the column's dictionary. */
export function textColumnsOf(rows: LogBuffer, names: readonly string[]): TextColumn[] {
  const columns: TextColumn[] = [
    { name: 'chq_customer_id', column: rows.customers, kind: 'code', missing: '' },
    { name: 'log_level', column: rows.levels, kind: 'code', missing: null },
    ...names.map((name) => ({ name, column: rows.fields.get(name)!, kind: 'code' as const, missing: null })),
  ];
  return columns.map((c) => ({ ...c, kind: codable(c.column, rows.length) ? 'code' : 'text' }));
}

function codable(column: StringColumn, rows: number): boolean {
  const codes = column.codes;
  for (let i = 0; i < rows; i++) if (codes[i]! < -1) return false; // a value in the column's arena
  return !column.dictionary.some((value) => value.includes('\u0000'));
}

/** The temporary table's columns, in order. */
export function rowTableColumns(text: readonly TextColumn[]): string[] {
  return [
    'ms DOUBLE',
    'ts_hi INTEGER',
    'ts_lo INTEGER',
    'fp_has INTEGER',
    'fp_hi INTEGER',
    'fp_lo INTEGER',
    'msg BLOB',
    ...text.map((c, k) => `c${k} ${c.kind === 'code' ? 'INTEGER' : 'VARCHAR'}`),
  ];
}

/** The SQL giving back the segment's columns (by their names) from the temporary table, plus `_row`. */
export function decodedColumnsSql(text: readonly TextColumn[]): string {
  const int64 = (hi: string, lo: string) => `(${hi}::BIGINT * 4294967296 + (${lo}::BIGINT & 4294967295))`;
  const parts = [
    'ms::BIGINT AS chq_timestamp',
    `${int64('ts_hi', 'ts_lo')} AS chq_tsns`,
    `if(fp_has = 1, ${int64('fp_hi', 'fp_lo')}, NULL) AS chq_fingerprint`,
    "'logs' AS chq_telemetry_type",
    'decode(msg) AS log_message',
    'rowid AS _row',
  ];
  text.forEach((c, k) => {
    let value =
      c.kind === 'code'
        ? `list_extract([${c.column.dictionary.map(sqlString).join(', ')}]::VARCHAR[], c${k} + 1)`
        : `c${k}`;
    if (c.missing !== null) value = `coalesce(${value}, ${sqlString(c.missing)})`;
    parts.push(`${value} AS ${sqlName(c.name)}`);
  });
  return parts.join(', ');
}

/**
 * Appends every row of `rows` through data chunks.
 *
 * @example
 * ```ts
 * appendLogRows(duckdb, appender, rows, textColumnsOf(rows, dynamicNames));
 * ```
 */
export function appendLogRows(
  duckdb: DuckdbApi,
  appender: DuckDBAppender,
  rows: LogBuffer,
  text: readonly TextColumn[],
): void {
  const { INTEGER, DOUBLE, BLOB, VARCHAR } = duckdb;
  const types: DuckDBType[] = [DOUBLE, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, BLOB];
  for (const c of text) types.push(c.kind === 'code' ? INTEGER : VARCHAR);
  const chunk = duckdb.DuckDBDataChunk.create(types);
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    appendChunk(duckdb, appender, chunk, rows, text, start, Math.min(CHUNK_ROWS, rows.length - start));
  }
}

function appendChunk(
  duckdb: DuckdbApi,
  appender: DuckDBAppender,
  chunk: DuckDBDataChunk,
  rows: LogBuffer,
  text: readonly TextColumn[],
  start: number,
  count: number,
): void {
  chunk.reset(); // frees the previous chunk's strings
  chunk.rowCount = count;
  const numbers = (c: number, value: (row: number) => number) => {
    const vector = chunk.getColumnVector(c) as DuckDBVector<number>;
    for (let i = 0; i < count; i++) vector.setItem(i, value(start + i));
    vector.flush();
  };
  const { ms, tsnsWords, fingerprintWords, hasFingerprint } = rows;
  numbers(0, (r) => ms[r]!);
  numbers(1, (r) => tsnsWords[2 * r + 1]!);
  numbers(2, (r) => tsnsWords[2 * r]!);
  numbers(3, (r) => hasFingerprint[r]!);
  numbers(4, (r) => (hasFingerprint[r] ? fingerprintWords[2 * r + 1]! : 0));
  numbers(5, (r) => (hasFingerprint[r] ? fingerprintWords[2 * r]! : 0));
  const messages = chunk.getColumnVector(6) as DuckDBVector<DuckDBValue>;
  for (let i = 0; i < count; i++) messages.setItem(i, duckdb.blobValue(rows.messages.view(start + i)));
  messages.flush();
  text.forEach((c, k) => {
    if (c.kind === 'code') numbers(7 + k, (r) => c.column.codes[r]!);
    else {
      const vector = chunk.getColumnVector(7 + k) as DuckDBVector<string>;
      for (let i = 0; i < count; i++) vector.setItem(i, c.column.get(start + i));
      vector.flush();
    }
  });
  appender.appendDataChunk(chunk);
}
