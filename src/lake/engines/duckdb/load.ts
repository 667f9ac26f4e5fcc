/**
 * Loads `@duckdb/node-api` (an optional peer dependency) on first use and turns every DuckDB failure
 * into a `BucketkitError`: callers never see a raw DuckDB or binding error.
 */
import { BucketkitError, bkError, type ErrorCode } from '../../../errors.js';

export type DuckdbApi = typeof import('@duckdb/node-api');
export type DuckdbInstance = import('@duckdb/node-api').DuckDBInstance;
export type DuckdbConnection = import('@duckdb/node-api').DuckDBConnection;

/**
 * The DuckDB module, or `Unsupported` telling the user what to install.
 *
 * @example
 * ```ts
 * const duckdb = await importDuckdb();
 * ```
 */
export async function importDuckdb(): Promise<DuckdbApi> {
  try {
    return await import('@duckdb/node-api');
  } catch (err) {
    throw bkError(
      'Unsupported',
      "the lake's DuckDB engine needs the optional package @duckdb/node-api: run `npm install @duckdb/node-api`, " +
        "or open the lake with { engine: 'typescript' }",
      { cause: err },
    );
  }
}

/**
 * Runs `work` and rethrows any non-bucketkit error as `code` (default `Backend`), naming `what` failed.
 *
 * @example
 * ```ts
 * await duckdbCall('writing a segment', () => con.run(sql));
 * ```
 */
export async function duckdbCall<T>(
  what: string,
  work: () => Promise<T>,
  code: ErrorCode = 'Backend',
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asBucketkitError(err, what, code);
  }
}

/** A DuckDB error as a `BucketkitError`; a Parquet DuckDB cannot read is `Corrupt`. */
export function asBucketkitError(err: unknown, what: string, code: ErrorCode = 'Backend'): BucketkitError {
  if (BucketkitError.is(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const corrupt = /parquet|magic bytes|not a valid|Invalid Input Error/i.test(message) && code === 'Backend';
  const interrupted = /INTERRUPT/i.test(message);
  return bkError(
    interrupted ? 'Aborted' : corrupt ? 'Corrupt' : code,
    `DuckDB failed ${what}: ${firstLine(message)}`,
    { cause: err },
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL list of string literals. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** Milliseconds of DuckDB work between two turns of the event loop in {@link runOnThisThread}. */
const SLICE_MS = 20;

/**
 * Runs `sql` to completion with its tasks executed on this (the JavaScript) thread, a slice at a time,
 * instead of on libuv's pool (where `con.run` runs them). On a one-thread DuckDB (the segment writer) the
 * work is the same; what it saves is memory: DuckDB's allocator (jemalloc) keeps freed pages per thread,
 * and statements spread over the pool's four threads leave a working set cached on each (a 1 GiB ingest:
 * ~50 MiB less peak RSS, docs/benchmarks.md). Between slices of `SLICE_MS` the event loop turns. Returns
 * nothing: for statements such as `COPY`, `CREATE` and `DROP`.
 *
 * @example
 * ```ts
 * await runOnThisThread(con, `COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)`);
 * ```
 */
export async function runOnThisThread(con: DuckdbConnection, sql: string): Promise<void> {
  const pending = await con.start(sql);
  let sliceEnd = performance.now() + SLICE_MS;
  for (;;) {
    const state: number = pending.runTask();
    if (state !== NOT_READY && state !== NO_TASKS_AVAILABLE) break; // ready, or an error getResult throws
    if (state === NO_TASKS_AVAILABLE || performance.now() > sliceEnd) {
      await new Promise<void>((resume) => setImmediate(resume));
      sliceEnd = performance.now() + SLICE_MS;
    }
  }
  await pending.getResult();
}

/** DuckDB's pending states (C API; `@duckdb/node-api` is optional, so its enum is not imported; 2 is an error). */
const NOT_READY = 1;
const NO_TASKS_AVAILABLE = 3;
