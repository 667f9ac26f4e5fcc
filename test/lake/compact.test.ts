import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { type CompactProgress, openLake, readDayIndex } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import {
  DAY,
  indexedObjects,
  ORGS,
  range,
  requestIds,
  seedFiles,
  segmentObjects,
} from './compact-support.js';
import { T0 } from './support.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshPort(): Promise<StoragePort> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-compact-'));
  dirs.push(dir);
  return fileStorage(join(dir, 'bucket'));
}

/** A day of `files` small segments (one per file), ingested. */
async function smallSegments(files: number, rows: number) {
  const port = await freshPort();
  const keys = await seedFiles(port, files, rows);
  const lake = openLake(port, { orgs: ORGS });
  for (const key of keys) await lake.ingest(key);
  return { port, lake, keys };
}

describe('lake.compact', () => {
  it('merges a day of small segments toward the target in one swap; rows, counts and sources stay', async () => {
    const { port, lake, keys } = await smallSegments(12, 50);
    const before = await readDayIndex(port, 'acme', DAY);
    const counts = await lake.count({
      org: 'acme',
      from: T0,
      to: T0 + 86_400_000,
      step: 3_600_000,
      by: ['level'],
    });
    const perSegment = before.index.segments[0]!.tableBytes;
    const progress: CompactProgress[] = [];
    const result = await lake.compact({
      org: 'acme',
      targetBytes: perSegment * 4.5, // four inputs per merged segment: 12 → 3
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({ days: 1, segmentsReplaced: 12, segmentsWritten: 3, groupsLost: 0 });
    expect(progress.at(-1)).toMatchObject({ days: 1, daysDone: 1, groups: 3, groupsDone: 3 });

    const { index } = await readDayIndex(port, 'acme', DAY);
    const live = index.segments.filter((s) => s.published);
    const replaced = index.segments.filter((s) => !s.published);
    expect(live).toHaveLength(3);
    expect(live.every((s) => s.compacted && s.replaces?.length === 4)).toBe(true);
    expect(replaced.map((s) => s.id).sort()).toEqual(before.index.segments.map((s) => s.id).sort());
    for (const s of replaced) {
      expect(s.compacted).toBe(true);
      expect(Date.parse(s.replacedAt!)).toBeGreaterThan(Date.now() - 600_000);
      expect(live.map((l) => l.id)).toContain(s.replacedBy);
    }
    expect(live.flatMap((s) => s.sources).sort()).toEqual(
      before.index.segments.flatMap((s) => s.sources).sort(),
    );
    expect(live.reduce((n, s) => n + s.rows, 0)).toBe(600);

    expect(await requestIds(lake)).toEqual(range(600));
    const after = await lake.count({
      org: 'acme',
      from: T0,
      to: T0 + 86_400_000,
      step: 3_600_000,
      by: ['level'],
    });
    expect(after.stats.usedAggFiles).toBe(true);
    expect(after.series).toEqual(counts.series);
    // a merged segment is a LakeRunner segment: DuckDB reads it, sorted by stream, fingerprint, time
    const db = await DuckDBInstance.create();
    const connection = await db.connect();
    const file = join(dirs.at(-1)!, 'merged.parquet');
    await writeFile(file, await (await port.get(live[0]!.table)).bytes());
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INT AS n, count(DISTINCT resource_service_name)::INT AS s FROM '${file}'`,
    );
    expect(reader.getRowObjects()[0]).toEqual({ n: 200, s: 3 });
    connection.closeSync();
    db.closeSync();
    // ingesting a compacted source again adds nothing; compacting again merges nothing more
    expect(await lake.ingest(keys[0]!)).toMatchObject({ alreadyIngested: true });
    await port.delete(`db/_ingested/${encodeURIComponent(keys[0]!)}.json`); // only the index may decide
    expect(await lake.ingest(keys[0]!)).toMatchObject({ rows: 0, alreadyIngested: true });
    // compacting again merges merged segments still under half the target, and converges
    const runs = [];
    for (let n = 0; n < 4; n++)
      runs.push((await lake.compact({ org: 'acme', targetBytes: perSegment * 4.5 })).segmentsWritten);
    expect(runs.at(-1)).toBe(0);
    expect(await requestIds(lake)).toEqual(range(600));
  }, 240_000);

  it('a query iterating while compaction swaps and sweeps sees every row exactly once', async () => {
    const { port, lake } = await smallSegments(8, 40);
    const seen = await requestIds(lake, async (_row, i) => {
      // after the first row the query holds the old index; swap under it, then sweep with a long grace
      if (i !== 0) return;
      const result = await lake.compact({ org: 'acme', targetBytes: 1 << 30 });
      expect(result.segmentsWritten).toBe(1);
      expect((await lake.sweep({ graceMs: 3_600_000 })).objectsDeleted).toBe(0);
    });
    expect(seen).toEqual(range(320));
    // a query started after the swap reads the merged segment only
    const after = lake.logs({ org: 'acme', from: T0, to: T0 + 86_400_000, limit: 1000 });
    const rows = [];
    for await (const row of after) rows.push(row);
    expect(rows).toHaveLength(320);
    expect(after.stats.segmentsRead).toBe(1);
    // once the grace period is over the replaced objects go, and nothing else
    const swept = await lake.sweep({ graceMs: 0 });
    expect(swept).toMatchObject({ segmentsRetired: 8, objectsDeleted: 16, orphansDeleted: 0 });
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
    expect(await requestIds(lake)).toEqual(range(320));
  }, 240_000);

  it('takes an AbortSignal and publishes nothing when aborted', async () => {
    const { port, lake } = await smallSegments(4, 20);
    const before = await readDayIndex(port, 'acme', DAY);
    const controller = new AbortController();
    const run = lake.compact({
      org: 'acme',
      targetBytes: 1 << 30,
      signal: controller.signal,
      onProgress: (p) => p.groups > 0 && controller.abort(),
    });
    await expect(run).rejects.toSatisfy((e) => BucketkitError.is(e, 'Aborted'));
    expect((await readDayIndex(port, 'acme', DAY)).index).toEqual(before.index);
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
  }, 120_000);
});

describe('lake.sweep', () => {
  it('drops days past the retention and unreferenced objects past the grace period', async () => {
    const port = await freshPort();
    const keys = await seedFiles(port, 2, 10);
    const lake = openLake(port, { orgs: ORGS });
    for (const key of keys) await lake.ingest(key);
    // a recent day, and leftovers of a crash in it (segment objects no index lists)
    const recent = Date.now() - 3_600_000;
    await port.put(
      'logs-raw/recent.json',
      `${JSON.stringify({ timestamp: new Date(recent).toISOString(), level: 'INFO', message: 'id=req-1 fresh' })}\n`,
    );
    await lake.ingest('logs-raw/recent.json');
    const recentDay = Number(new Date(recent).toISOString().slice(0, 10).replaceAll('-', ''));
    const [live] = await indexedObjects(port, recentDay);
    const orphan = live!.replace(/(tbl|agg)_\d+/, 'tbl_42');
    await port.put(orphan, 'left by a crash');

    const young = await lake.sweep({ retentionDays: 400, graceMs: 3_600_000 });
    expect(young).toMatchObject({ days: 2, daysDropped: 0, objectsDeleted: 0 });
    const progress: number[] = [];
    const swept = await lake.sweep({
      retentionDays: 30,
      graceMs: 0,
      onProgress: (p) => progress.push(p.daysDone),
    });
    expect(swept).toMatchObject({ days: 2, daysDropped: 1, orphansDeleted: 1, objectsDeleted: 5 });
    expect(progress).toEqual([1, 2]);
    await expect(port.head(`db/acme/_index/logs/${DAY}.json`)).rejects.toSatisfy((e) =>
      BucketkitError.is(e, 'NotFound'),
    );
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port, recentDay));
    expect(await requestIds(lake)).toEqual([]);
    const rows = [];
    for await (const row of lake.logs({ org: 'acme', from: recent - 60_000, to: recent + 60_000 }))
      rows.push(row);
    expect(rows.map((r) => r.log_message)).toEqual(['id=req-1 fresh']);
  }, 120_000);
});
