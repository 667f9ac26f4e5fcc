/**
 * The DuckDB engine (`@duckdb/node-api`, an optional peer dependency, Node only): one in-memory DuckDB
 * per process, shared by the lakes that use it, with a temporary folder for the Parquet files it writes
 * and the segments it fetches. The last `close()` releases both; a process that never closes its lakes
 * still removes the folder when it exits. Loaded only by `engines/select.ts`'s dynamic import.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakeEngine } from '../engine.js';
import { duckdbCount } from './count.js';
import { type SegmentFileCache, segmentFileCache } from './files.js';
import { type DuckdbInstance, duckdbCall, importDuckdb } from './load.js';
import { duckdbLogs } from './logs.js';
import { writeMetricTableWithDuckdb } from './metric-write.js';
import { duckdbSql } from './sql.js';
import { writeSegmentWithDuckdb } from './write.js';

interface Shared {
  /**
   * The database queries run on (a worker thread per core), opened by the first query: a process that
   * only ingests never pays for it (an open DuckDB holds ~20 MiB; docs/benchmarks.md).
   */
  reader: () => Promise<DuckdbInstance>;
  /**
   * A second, one-thread DuckDB for log segments and metric tables, opened on first use: one segment is
   * a small COPY, where the shared database's worker threads cost more CPU than they save (log ingest:
   * −7 to −10 % of the process's CPU with one thread, bench/lake-memory.ts; metric tables: about half).
   */
  writer: () => Promise<DuckdbInstance>;
  closeDatabases: () => Promise<void>;
  dir: string;
  files: SegmentFileCache;
  removeOnExit: () => void;
}

let shared: Promise<Shared> | undefined;
let users = 0;

/**
 * Opens a DuckDB engine; `Unsupported` when `@duckdb/node-api` is not installed.
 *
 * @example
 * ```ts
 * const engine = await openDuckdbEngine();
 * await engine.close?.();
 * ```
 */
export async function openDuckdbEngine(): Promise<LakeEngine> {
  users++;
  let current: Shared;
  try {
    shared ??= start();
    current = await shared;
  } catch (err) {
    users--;
    shared = undefined;
    throw err;
  }
  const { reader, dir, files } = current;
  let closed = false;
  return {
    name: 'duckdb',
    writeSegment: async (rows, streamField) =>
      writeSegmentWithDuckdb(await current.writer(), dir, rows, streamField),
    writeMetricTable: async (rows) => writeMetricTableWithDuckdb(await current.writer(), dir, rows),
    logs: async function* (ctx, prepared, stats) {
      yield* duckdbLogs(await reader(), files, ctx, prepared, stats);
    },
    count: async (ctx, query, prepared) => duckdbCount(await reader(), files, ctx, query, prepared),
    sql: async (ctx, source, query, stats, signal) =>
      duckdbSql(await reader(), files, ctx.port, source, query, stats, signal),
    close: async () => {
      if (closed) return;
      closed = true;
      if (--users > 0 || shared === undefined) return;
      shared = undefined;
      await stop(current);
    },
  };
}

async function start(): Promise<Shared> {
  const duckdb = await importDuckdb();
  const dir = await mkdtemp(join(tmpdir(), 'bucketkit-lake-duckdb-'));
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const lazy = (options: Record<string, string>) => {
    let opened: Promise<DuckdbInstance> | undefined;
    return {
      get: () => {
        if (opened) return opened;
        const opening = duckdbCall('starting', () => duckdb.DuckDBInstance.create(':memory:', options));
        opening.catch(() => {
          if (opened === opening) opened = undefined; // a later call tries again
        });
        opened = opening;
        return opening;
      },
      close: async () => {
        const db = await opened?.catch(() => undefined);
        opened = undefined;
        db?.closeSync();
      },
    };
  };
  const reader = lazy({ temp_directory: join(dir, 'spill') });
  const writer = lazy({ threads: '1', temp_directory: join(dir, 'spill-writer') });
  return {
    reader: reader.get,
    writer: writer.get,
    closeDatabases: async () => {
      await writer.close();
      await reader.close();
    },
    dir,
    files: segmentFileCache(dir),
    removeOnExit,
  };
}

async function stop({ closeDatabases, dir, files, removeOnExit }: Shared) {
  await files.clear();
  await closeDatabases();
  process.removeListener('exit', removeOnExit);
  await rm(dir, { recursive: true, force: true });
}
