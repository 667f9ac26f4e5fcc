/**
 * Day counts (`catalog/day-counts.ts`, `counts-part.ts`, `day-counts-store.ts`): one object per day holding
 * the agg rows of its segments, so a cold count reads the day index and that object. They are a cache of
 * agg files: whatever happens to them (lost races, a failed write, damage, compaction, sweeps) counts stay
 * equal to counting the tables, and the next refresh makes them whole again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type AggFileRows,
  addToPart,
  aggFilePart,
  type CountsPart,
  decodePart,
  emptyPart,
  encodePart,
} from '../../src/lake/catalog/counts-part.js';
import { AggRowsSum } from '../../src/lake/catalog/counts-sum.js';
import { coveredSegments, decodeDayCounts, encodeDayCounts } from '../../src/lake/catalog/day-counts.js';
import { readDayCounts } from '../../src/lake/catalog/day-counts-store.js';
import type { IndexedSegment } from '../../src/lake/catalog/day-index.js';
import { type CountQuery, openLake, readDayIndex } from '../../src/lake/index.js';
import { dayCountsKey } from '../../src/lake/names.js';
import { loadZstd } from '../../src/lake/parquet/zstd.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { faulty } from '../support/faulty.js';
import { DAY, ORGS, seedFiles } from './compact-support.js';
import { T0 } from './support.js';

const zstd = await loadZstd();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Rows of a part as `bucket level field=stream → count`, summed. */
function sums(parts: readonly CountsPart[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of parts)
    for (let i = 0; i < p.bucket.length; i++) {
      const s = p.streamCode[i]!;
      const key = `${p.bucket[i]} ${p.levels[p.levelCode[i]!]} ${p.streamFields[p.streamField[s]!]}=${p.streams[s]}`;
      out.set(key, (out.get(key) ?? 0) + p.count[i]!);
    }
  return out;
}

const aggFile = fc
  .record({
    field: fc.constantFrom('resource_service_name', 'resource_k8s_namespace_name'),
    rows: fc.array(
      fc.record({
        bucket: fc.integer({ min: -3, max: 40 }).map((b) => b * 10_000),
        level: fc.constantFrom(null, 'INFO', 'WARN', '\uFEFFERROR'),
        stream: fc.constantFrom('', 'api', 'billing', 'é'),
        count: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(2 ** 40)),
      }),
      { maxLength: 40 },
    ),
  })
  .map(({ field, rows }): AggFileRows => {
    rows.sort((a, b) => a.bucket - b.bucket);
    const levels = [...new Set(rows.map((r) => r.level))];
    const streams = [...new Set(rows.map((r) => r.stream))];
    return {
      bucket: Float64Array.from(rows, (r) => r.bucket),
      count: Float64Array.from(rows, (r) => r.count),
      levelCode: Uint32Array.from(rows, (r) => levels.indexOf(r.level)),
      levels,
      streamCode: Uint32Array.from(rows, (r) => streams.indexOf(r.stream)),
      streams,
      streamField: field,
    };
  });

describe('day counts format', () => {
  it('sums agg files exactly, in one part or several, through encode and decode (property, pinned seed)', () => {
    fc.assert(
      fc.property(fc.array(aggFile, { maxLength: 6 }), fc.nat(), (files, cut) => {
        const expected = sums(files.map(aggFilePart));
        const whole = addToPart(emptyPart(), files.map(aggFilePart));
        expect(sums([whole])).toEqual(expected);
        // two parts, stored in one object, decoded, then merged: the same sums
        const at = files.length === 0 ? 0 : cut % (files.length + 1);
        const parts = [files.slice(0, at), files.slice(at)].map((f) =>
          encodePart(addToPart(emptyPart(), f.map(aggFilePart)), zstd),
        );
        const stored = decodeDayCounts(encodeDayCounts({ segments: ['1', '2'], parts }), 'k');
        expect(stored.segments).toEqual(['1', '2']);
        const decoded = stored.parts.map((p) => decodePart(p, zstd, 'k'));
        expect(sums(decoded)).toEqual(expected);
        expect(sums([addToPart(decoded[0]!, [decoded[1]!])])).toEqual(expected);
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it('summing agg files a few at a time into a part stores the same part as summing them all at once (property, pinned seed)', () => {
    fc.assert(
      fc.property(fc.array(aggFile, { maxLength: 12 }), fc.integer({ min: 1, max: 4 }), (files, batch) => {
        let folded = emptyPart();
        for (let i = 0; i < files.length; i += batch)
          folded = addToPart(folded, files.slice(i, i + batch).map(aggFilePart));
        const whole = addToPart(emptyPart(), files.map(aggFilePart));
        expect(encodePart(folded, zstd)).toEqual(encodePart(whole, zstd));
      }),
      { seed: 20261206, numRuns: 200 },
    );
  });

  it('summing agg files one at a time into sized columns (the refresh) stores the same part as addToPart of them all (property, pinned seed)', () => {
    fc.assert(
      fc.property(fc.array(aggFile, { maxLength: 12 }), fc.nat({ max: 600 }), (files, capacity) => {
        // capacity below the rows makes the columns grow, above leaves them partly unused
        const sum = new AggRowsSum(capacity);
        for (const file of files) sum.add(file);
        const part = sum.part();
        const whole = addToPart(emptyPart(), files.map(aggFilePart));
        expect(encodePart(part, zstd)).toEqual(encodePart(whole, zstd));
        expect(sums([part])).toEqual(sums(files.map(aggFilePart)));
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it('reads damaged bytes as Corrupt, never as other counts or another error (fuzz, pinned seed)', () => {
    const part = encodePart(
      addToPart(emptyPart(), [
        aggFilePart({
          bucket: Float64Array.from([0, 10_000, 20_000]),
          count: Float64Array.from([3, 4, 5]),
          levelCode: Uint32Array.from([0, 1, 0]),
          levels: ['INFO', 'WARN'],
          streamCode: Uint32Array.from([0, 0, 1]),
          streams: ['api', 'billing'],
          streamField: 'resource_service_name',
        }),
      ]),
      zstd,
    );
    const good = encodeDayCounts({ segments: ['7'], parts: [part] });
    const expected = sums([decodePart(part, zstd, 'k')]);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (at, xor, cut) => {
        const bytes = good.slice();
        bytes[at % bytes.length]! ^= xor;
        for (const input of [bytes, good.subarray(0, cut % good.length)]) {
          try {
            const stored = decodeDayCounts(input, 'k');
            // every byte is checked (header and part checksums): what decodes is what was written
            expect(stored.segments).toEqual(['7']);
            expect(sums(stored.parts.map((p) => decodePart(p, zstd, 'k')))).toEqual(expected);
          } catch (err) {
            if (!BucketkitError.is(err, 'Corrupt')) throw err;
          }
        }
      }),
      { seed: 20261207, numRuns: 500 },
    );
  });

  it('carries counts over compactions whose inputs they hold, and no further', () => {
    const seg = (id: string, more: Partial<IndexedSegment> = {}) =>
      ({ id, published: true, aggBytes: 10, ...more }) as IndexedSegment;
    const replaced = (id: string, by: string) => seg(id, { published: false, replacedBy: by });
    // 3 and 4 merged into 5, then 5 and 6 into 7
    const index = [
      seg('1'),
      replaced('3', '5'),
      replaced('4', '5'),
      seg('5', { published: false, replaces: ['3', '4'] }),
      replaced('6', '7'),
      seg('7', { replaces: ['5', '6'] }),
    ];
    index[3]!.replacedBy = '7';
    expect([...coveredSegments(['1', '3', '4', '6'], index)!.keys()].sort()).toEqual(['1', '7']);
    expect([...coveredSegments(['1'], index)!.keys()]).toEqual(['1']); // 7 is live but not covered
    expect(coveredSegments(['1', '3'], index)).toBeUndefined(); // 3's rows are in 7, with others
    expect(coveredSegments(['2'], index)).toBeUndefined(); // unknown (swept, another day's)
    // inputs swept from the index: the output still names them
    expect([
      ...coveredSegments(
        ['3', '4', '6'],
        [seg('7', { replaces: ['5', '6'] }), seg('5', { published: false, replaces: ['3', '4'] })],
      )!.keys(),
    ]).toEqual(['7']);
  });
});

describe('day counts in a lake', () => {
  const query: CountQuery = {
    org: 'acme',
    from: T0 - 36_000_000,
    to: T0 + 50_400_000,
    step: 300_000,
    by: ['level', 'service'],
  };

  async function lakeWith(files: number, rows = 40) {
    const dir = await mkdtemp(join(tmpdir(), 'lake-daycounts-'));
    dirs.push(dir);
    const root = join(dir, 'bucket');
    const port = fileStorage(root);
    // a new port object per cold count: nothing cached in memory from an earlier one
    return { port, keys: await seedFiles(port, files, rows), fresh: () => fileStorage(root) };
  }

  /** The counts of a fresh lake (cold), checked against the same question answered from the tables. */
  async function coldCount(port: StoragePort, engine: 'typescript' | 'duckdb' = 'typescript') {
    const lake = openLake(port, { engine });
    const cold = await lake.count(query);
    const tables = await lake.count({ ...query, contains: '' }); // a text filter: the tables answer
    expect(tables.stats.usedAggFiles).toBe(false);
    expect(cold.series).toEqual(tables.series);
    await lake.close();
    return cold;
  }

  async function liveIds(port: StoragePort): Promise<string[]> {
    const { index } = await readDayIndex(port, 'acme', DAY);
    return index.segments
      .filter((s) => s.published)
      .map((s) => s.id)
      .sort();
  }

  it('ingest keeps them whole: a cold count reads two objects, on both engines', async () => {
    const { port, keys, fresh } = await lakeWith(10);
    const lake = openLake(port, { orgs: ORGS, segmentRows: 15 });
    for (const key of keys) await lake.ingest(key);
    const { counts } = await readDayCounts(port, 'acme', DAY);
    expect(counts!.segments).toEqual(await liveIds(port));
    expect((await liveIds(port)).length).toBe(30);
    expect(counts!.parts.length).toBeLessThanOrEqual(5); // merged as they grow: about log2 of the appends
    const cold = await coldCount(fresh());
    expect(cold.stats.dayCounts).toBe(1);
    expect(cold.stats.requests).toBe(2);
    const viaDuckdb = await coldCount(fresh(), 'duckdb');
    expect(viaDuckdb.series).toEqual(cold.series);
    expect(viaDuckdb.stats.requests).toBe(2);
    await lake.close();
  });

  it('lakes ingesting at once lose no segment from them (compare-and-swap races)', async () => {
    const { port, keys, fresh } = await lakeWith(16);
    const lakes = Array.from({ length: 4 }, () => openLake(port, { orgs: ORGS, segmentRows: 25 }));
    await Promise.all(
      lakes.map(async (lake, l) => {
        for (const key of keys.filter((_, k) => k % 4 === l)) await lake.ingest(key);
      }),
    );
    const { counts } = await readDayCounts(port, 'acme', DAY);
    expect(counts!.segments).toEqual(await liveIds(port));
    expect((await coldCount(fresh())).stats.requests).toBe(2);
    await Promise.all(lakes.map((l) => l.close()));
  });

  it('a failed write of them fails the ingest but loses nothing; the next refresh catches up', async () => {
    const { port, keys, fresh } = await lakeWith(6);
    const wrapped = faulty(port);
    let writes = 0;
    wrapped.before = (op, key) => {
      if (op === 'put' && key === dayCountsKey('acme', DAY) && ++writes === 3)
        throw new Error('injected: the counts write fails');
    };
    const lake = openLake(wrapped, { orgs: ORGS, segmentRows: 15 });
    await lake.ingest(keys[0]!);
    await lake.ingest(keys[1]!);
    await expect(lake.ingest(keys[2]!)).rejects.toThrow(/injected/);
    const { counts } = await readDayCounts(port, 'acme', DAY);
    expect(counts!.segments.length).toBeLessThan((await liveIds(port)).length);
    const partial = await coldCount(fresh()); // the rows are published: counted from their agg files
    expect(partial.stats.requests).toBe(2 + 3);
    expect((await lake.ingest(keys[2]!)).alreadyIngested).toBe(true); // the retry refreshes them
    expect((await readDayCounts(port, 'acme', DAY)).counts!.segments).toEqual(await liveIds(port));
    for (const key of keys.slice(3)) await lake.ingest(key);
    expect((await coldCount(fresh())).stats.requests).toBe(2);
    await lake.close();
  });

  it('compaction and sweeps keep them usable, even when they held only some of the inputs', async () => {
    const { port, keys, fresh } = await lakeWith(8);
    const lake = openLake(port, { orgs: ORGS, segmentRows: 15 });
    for (const key of keys) await lake.ingest(key);
    const before = await coldCount(fresh());
    await lake.compact({ org: 'acme', targetBytes: 1 << 30 });
    await lake.sweep({ graceMs: 0 });
    const after = await coldCount(fresh());
    expect(after.series).toEqual(before.series);
    expect(after.stats.requests).toBe(2);

    // counts that hold some inputs of a compaction: rebuilt by the compaction's refresh
    const { port: other, keys: more, fresh: freshOther } = await lakeWith(6);
    const second = openLake(other, { orgs: ORGS, segmentRows: 15 });
    for (const key of more.slice(0, 3)) await second.ingest(key);
    const stale = (await readDayCounts(other, 'acme', DAY)).counts!;
    for (const key of more.slice(3)) await second.ingest(key);
    await other.put(dayCountsKey('acme', DAY), encodeDayCounts(stale)); // as if the later refreshes were lost
    await second.compact({ org: 'acme', targetBytes: 1 << 30 });
    expect((await readDayCounts(other, 'acme', DAY)).counts!.segments).toEqual(await liveIds(other));
    expect((await coldCount(freshOther())).stats.requests).toBe(2);

    // a retention sweep drops them with the day
    await second.sweep({ retentionDays: 1, graceMs: 0 });
    expect((await readDayCounts(other, 'acme', DAY)).counts).toBeUndefined();
    await Promise.all([lake.close(), second.close()]);
  });

  it('damaged counts are read around and rebuilt by the next ingest', async () => {
    const { port, keys, fresh } = await lakeWith(5);
    const lake = openLake(port, { orgs: ORGS, segmentRows: 15 });
    for (const key of keys.slice(0, 4)) await lake.ingest(key);
    const good = (await port.get(dayCountsKey('acme', DAY))).bytes();
    const bytes = (await good).slice();
    bytes[bytes.length - 3]! ^= 0x5a; // inside the last part's body
    await port.put(dayCountsKey('acme', DAY), bytes);
    const around = await coldCount(fresh());
    expect(around.stats.dayCounts).toBe(0);
    await lake.ingest(keys[4]!);
    expect((await readDayCounts(port, 'acme', DAY)).counts!.segments).toEqual(await liveIds(port));
    expect((await coldCount(fresh())).stats.requests).toBe(2);
    await lake.close();
  });
});
