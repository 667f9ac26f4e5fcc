/**
 * The DuckDB segment writer runs its statements' tasks on the JavaScript thread (`runOnThisThread`), a
 * slice at a time, so that DuckDB's per-thread allocator caches are kept on one thread (ingest memory,
 * docs/benchmarks.md). What a caller relies on: the statement completes, its error rejects (never a
 * hang), and the event loop keeps turning while a long statement runs.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type DuckdbConnection,
  type DuckdbInstance,
  duckdbCall,
  importDuckdb,
  runOnThisThread,
} from '../../src/lake/engines/duckdb/load.js';

describe('runOnThisThread', () => {
  let db: DuckdbInstance;
  let con: DuckdbConnection;
  let dir: string;
  beforeAll(async () => {
    const duckdb = await importDuckdb();
    db = await duckdb.DuckDBInstance.create(':memory:', { threads: '1' });
    con = await db.connect();
    dir = await mkdtemp(join(tmpdir(), 'bucketkit-this-thread-'));
  });
  afterAll(async () => {
    con?.closeSync();
    db?.closeSync();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a sorted COPY to completion while timers still fire', async () => {
    const path = join(dir, 'sorted.parquet');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await runOnThisThread(
        con,
        `COPY (SELECT range AS n, md5(range::VARCHAR) AS s FROM range(1000000) ORDER BY s)
         TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    } finally {
      clearInterval(timer);
    }
    const read = await con.runAndReadAll(
      `SELECT count(*)::INTEGER, count(DISTINCT n)::INTEGER FROM '${path}'`,
    );
    expect(read.getRows()).toEqual([[1000000, 1000000]]);
    expect((await stat(path)).size).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(0); // the statement gave the event loop turns
  });

  it('rejects with the error of a statement that fails while it runs, as a BucketkitError', async () => {
    const path = join(dir, 'never.parquet');
    const failing = duckdbCall('writing a segment', () =>
      runOnThisThread(
        con,
        `COPY (SELECT error('boom ' || range) FROM range(10)) TO '${path}' (FORMAT parquet)`,
      ),
    );
    await expect(failing).rejects.toSatisfy(
      (err: unknown) => BucketkitError.is(err) && /boom 0/.test((err as Error).message),
    );
    await expect(runOnThisThread(con, 'SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
  });

  it('leaves the connection usable after a failure', async () => {
    await runOnThisThread(con, 'CREATE TEMP TABLE t AS SELECT 1 AS x');
    await runOnThisThread(con, 'DROP TABLE t');
    const read = await con.runAndReadAll(
      "SELECT count(*)::INTEGER FROM duckdb_tables() WHERE table_name = 't'",
    );
    expect(read.getRows()).toEqual([[0]]);
  });
});
