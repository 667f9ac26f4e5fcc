import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { type LogRow, openLake, readDayIndex } from '../../src/lake/index.js';
import { loadZstd } from '../../src/lake/parquet/zstd.js';
import { fileStorage, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { csvText, LEVELS, ndjsonGz, type RawLine, rawLines, SERVICES, T0 } from './support.js';

const HOUR = 3_600_000;
let dir: string;
let port: StoragePort;
const lines = rawLines(3000, T0, 2400); // 2 h of logs, 2.4 s apart
const orgs = { 'logs-raw/': 'acme' };

async function all(iterable: AsyncIterable<LogRow>): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-'));
  port = fileStorage(join(dir, 'bucket'));
  // three files: two NDJSON.gz halves and a CSV with other rows; segments of at most 700 rows
  await port.put('logs-raw/a.json.gz', ndjsonGz(lines.slice(0, 1500)));
  await port.put('logs-raw/b.ndjson.gz', ndjsonGz(lines.slice(1500)));
  await port.put('logs-raw/c.csv', csvText(rawLines(100, T0 + 30_000, 60_000, 5000)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingest', () => {
  it('cooks files into LakeRunner-keyed segments listed in the day index, once however often it runs', async () => {
    const lake = openLake(port, { orgs, segmentRows: 700, bucket: 'raw' });
    const progress: number[] = [];
    const a = await lake.ingest('logs-raw/a.json.gz', { onProgress: (p) => progress.push(p.segments) });
    expect(a).toMatchObject({ rows: 1500, badRows: 0, alreadyIngested: false, format: 'ndjson' });
    expect(a.segments).toHaveLength(3);
    expect(progress).toEqual([1, 2, 3]);
    for (const key of a.segments)
      expect(key).toMatch(/^db\/acme\/default\/20260102\/logs\/1[01]\/tbl_\d+\.parquet$/);
    expect((await lake.ingest('logs-raw/b.ndjson.gz')).rows).toBe(1500);
    expect((await lake.ingest('logs-raw/c.csv')).rows).toBe(100);
    const again = await lake.ingest('logs-raw/a.json.gz');
    expect(again).toMatchObject({ rows: 0, alreadyIngested: true, segments: [] });

    const { index } = await readDayIndex(port, 'acme', 20260102);
    expect(index.segments.reduce((n, s) => n + s.rows, 0)).toBe(3100);
    const first = index.segments[0]!;
    expect(first.sources).toEqual([`logs-raw/a.json.gz@${(await port.head('logs-raw/a.json.gz')).etag}`]);
    expect(first.exact.log_level).toEqual([...LEVELS].sort());
    expect(first.streamIds).toEqual([...SERVICES].sort());
    expect(first.columns).toContain('chq_fingerprint');
    expect((await port.head(first.agg)).size).toBe(first.aggBytes);
  });

  it('keeps the same rows when the marker is lost and another ingest of the same object runs', async () => {
    const lake = openLake(port, { orgs });
    await port.delete('db/_ingested/logs-raw%2Fa.json.gz.json');
    const result = await lake.ingest('logs-raw/a.json.gz');
    expect(result).toMatchObject({ rows: 0, alreadyIngested: true });
    const { index } = await readDayIndex(port, 'acme', 20260102);
    expect(index.segments.reduce((n, s) => n + s.rows, 0)).toBe(3100);
    // the losing attempt's segment objects are gone too
    const tables = [];
    for await (const e of port.list({ prefix: 'db/acme/' }))
      if (e.type === 'object' && e.key.includes('/tbl_')) tables.push(e.key);
    expect(tables.sort()).toEqual(index.segments.map((s) => s.table).sort());
  });

  it('publishes nothing from a truncated gzip file and says Corrupt', async () => {
    const whole = ndjsonGz(rawLines(2000, Date.UTC(2026, 0, 5)));
    await port.put('logs-raw/broken.json.gz', whole.subarray(0, whole.length - 100));
    const lake = openLake(port, { orgs, segmentRows: 300 });
    const error = await lake.ingest('logs-raw/broken.json.gz').catch((e: unknown) => e);
    expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
    expect((await readDayIndex(port, 'acme', 20260105)).index.segments).toEqual([]);
    const left = [];
    for await (const e of port.list({ prefix: 'db/acme/default/20260105/' })) left.push(e);
    expect(left).toEqual([]);
  });

  it('refuses to write on a port without conditional writes unless singleWriter is set', async () => {
    const inner = memoryStorage();
    const weak: StoragePort = Object.assign(Object.create(inner) as StoragePort, {
      capabilities: async () => ({ ...(await inner.capabilities()), conditionalWrites: false }),
    });
    await weak.put('logs-raw/x.json.gz', ndjsonGz(rawLines(10)));
    const error = await openLake(weak, { orgs })
      .ingest('logs-raw/x.json.gz')
      .catch((e: unknown) => e);
    expect(BucketkitError.is(error, 'Unsupported')).toBe(true);
    expect((await openLake(weak, { orgs, singleWriter: true }).ingest('logs-raw/x.json.gz')).rows).toBe(10);
  });
});

describe('segments', () => {
  it('are sorted ZSTD Parquet with LakeRunner column types, readable by hyparquet and by DuckDB', async () => {
    const { index } = await readDayIndex(port, 'acme', 20260102);
    const segment = index.segments[0]!;
    const bytes = await (await port.get(segment.table)).bytes();
    const zstd = await loadZstd();
    const compressors = { ZSTD: (b: Uint8Array, n: number) => zstd.decompress(b, n) };
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(buffer);
    expect(new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(
      new Set(['ZSTD']),
    );
    const rows = (await parquetReadObjects({ file: buffer, compressors })) as Record<string, unknown>[];
    expect(rows).toHaveLength(segment.rows);
    const keyOf = (r: Record<string, unknown>) =>
      [r.resource_service_name, r.chq_fingerprint, r.chq_tsns] as const;
    for (let i = 1; i < rows.length; i++) {
      const [s0, f0, t0] = keyOf(rows[i - 1]!);
      const [s1, f1, t1] = keyOf(rows[i]!);
      const ordered =
        (s0 as string) < (s1 as string) ||
        (s0 === s1 && ((f0 as bigint) < (f1 as bigint) || (f0 === f1 && (t0 as bigint) <= (t1 as bigint))));
      expect(ordered).toBe(true);
    }

    const file = join(dir, 'segment.parquet');
    await writeFile(file, bytes);
    const aggFile = join(dir, 'agg.parquet');
    await writeFile(aggFile, await (await port.get(segment.agg)).bytes());
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const types = Object.fromEntries(
        (await con.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`))
          .getRowObjects()
          .map((r) => [r.column_name, r.column_type]),
      );
      expect(types).toMatchObject({
        chq_timestamp: 'BIGINT',
        chq_tsns: 'BIGINT',
        chq_fingerprint: 'BIGINT',
        chq_customer_id: 'VARCHAR',
        chq_telemetry_type: 'VARCHAR',
        log_level: 'VARCHAR',
        log_message: 'VARCHAR',
        resource_service_name: 'VARCHAR',
        resource_file_name: 'VARCHAR',
        attr_user: 'VARCHAR',
      });
      const duck = (
        await con.runAndReadAll(
          `SELECT count(*) AS n, min(chq_timestamp) AS lo, max(chq_timestamp) AS hi FROM '${file}'`,
        )
      ).getRowObjects()[0]!;
      expect(Number(duck.n)).toBe(segment.rows);
      expect([Number(duck.lo), Number(duck.hi) + 1]).toEqual([segment.startMs, segment.endMs]);
      const agg = (
        await con.runAndReadAll(
          `SELECT sum(count) AS n, min(frequency) AS f, count(DISTINCT log_level) AS levels FROM '${aggFile}'`,
        )
      ).getRowObjects()[0]!;
      expect([Number(agg.n), Number(agg.f), Number(agg.levels)]).toEqual([segment.rows, 10_000, 3]);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });
});

describe('queries', () => {
  const lake = () => openLake(port, { orgs });
  const expected = (pick: (l: RawLine) => boolean) => lines.filter(pick).map((l) => l.msg);

  it('returns every row of a range in time order, newest first by default, and reports what it read', async () => {
    const result = lake().logs({ org: 'acme', from: T0, to: T0 + 3 * HOUR, limit: 10_000 });
    const rows = await all(result);
    expect(rows).toHaveLength(3100);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.chq_tsns >= rows[i]!.chq_tsns).toBe(true);
    expect(result.stats).toMatchObject({ indexReads: 1, segmentsPruned: 0 });
    expect(result.stats.bytesRead).toBeGreaterThan(0);
    const forward = await all(
      lake().logs({ org: 'acme', from: T0, to: T0 + 3 * HOUR, order: 'forward', limit: 5 }),
    );
    expect(forward.map((r) => r.log_message)).toEqual(lines.slice(0, 5).map((l) => l.msg));
  });

  it('filters by time, where, contains and regex, and prunes segments by the index', async () => {
    const from = T0 + HOUR;
    const to = T0 + HOUR + 600_000;
    const result = lake().logs({
      org: 'acme',
      from,
      to,
      where: { level: 'ERROR', service: ['api', 'search'] },
      contains: 'took 1',
      order: 'forward',
      limit: 10_000,
    });
    const got = (await all(result)).map((r) => r.log_message);
    const want = expected(
      (l) =>
        l.ms >= from &&
        l.ms < to &&
        l.level === 'ERROR' &&
        l.service !== 'billing' &&
        l.msg.includes('took 1'),
    );
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
    expect(result.stats.segmentsPruned).toBeGreaterThan(0);

    const needle = await all(
      lake().logs({ org: 'acme', from: T0, to: T0 + 3 * HOUR, regex: 'id=req-2345$' }),
    );
    expect(needle.map((r) => r.log_message)).toEqual(expected((l) => l.msg.endsWith('id=req-2345')));
    const none = lake().logs({ org: 'acme', from: T0, to: T0 + HOUR, where: { level: 'DEBUG' } });
    expect(await all(none)).toEqual([]);
    expect(none.stats).toMatchObject({ segmentsRead: 0, segmentsPruned: none.stats.segmentsConsidered });
  });

  it('counts from the agg files when it can, with the same answer as counting the tables', async () => {
    const query = { org: 'acme', from: T0, to: T0 + 2 * HOUR, step: 300_000, by: ['level'] };
    const fromAgg = await lake().count(query);
    expect(fromAgg.stats.usedAggFiles).toBe(true);
    const fromTables = await lake().count({ ...query, contains: '' });
    expect(fromTables.stats.usedAggFiles).toBe(false);
    expect(fromAgg.series).toEqual(fromTables.series);
    const csvRows = rawLines(100, T0 + 30_000, 60_000, 5000);
    for (const level of LEVELS) {
      const series = fromAgg.series.find((s) => s.labels.log_level === level)!;
      const total = series.points.reduce((n, [, c]) => n + c, 0);
      const want = [...lines, ...csvRows].filter((l) => l.level === level && l.ms < T0 + 2 * HOUR).length;
      expect(total).toBe(want);
    }
    expect(fromAgg.stats.bytesRead).toBeLessThan(fromTables.stats.bytesRead);
  });

  it('refuses bad ranges and regexes with InvalidArgument', async () => {
    expect(() => lake().logs({ org: 'acme', from: T0, to: T0 })).toThrow(/InvalidArgument/);
    expect(() => lake().logs({ org: 'acme', from: T0, to: T0 + 1, regex: '(' })).toThrow(/InvalidArgument/);
  });
});

describe('text', () => {
  it.each(['typescript', 'duckdb'] as const)(
    'a message that starts with U+FEFF comes back whole from the %s engine (pinned: a decoder dropped it)',
    async (engine) => {
      const bucket = memoryStorage();
      const text = lines
        .slice(0, 2)
        .map((l, i) =>
          JSON.stringify({ timestamp: new Date(l.ms).toISOString(), message: i ? '\uFEFF' : '\uFEFFhello' }),
        );
      await bucket.put('logs-raw/bom.ndjson', `\uFEFF${text.join('\n')}\n`);
      const lake = openLake(bucket, { orgs, engine });
      expect((await lake.ingest('logs-raw/bom.ndjson')).rows).toBe(2);
      const rows = await all(lake.logs({ org: 'acme', from: T0, to: T0 + HOUR, order: 'forward' }));
      expect(rows.map((r) => r.log_message)).toEqual(['\uFEFFhello', '\uFEFF']);
    },
  );

  it.each(['typescript', 'duckdb'] as const)(
    'a label value that starts with U+FEFF is counted under itself by the %s engine (pinned)',
    async (engine) => {
      const bucket = memoryStorage();
      const text = lines.slice(0, 3).map((l, i) =>
        JSON.stringify({
          timestamp: new Date(l.ms).toISOString(),
          message: 'm',
          svc: i ? '\uFEFFapi' : 'api',
        }),
      );
      await bucket.put('logs-raw/bom-labels.ndjson', `${text.join('\n')}\n`);
      const lake = openLake(bucket, { orgs, engine });
      expect((await lake.ingest('logs-raw/bom-labels.ndjson')).rows).toBe(3);
      // contains: '' reads the tables (not the agg files), where the labels come out of the engine's SQL
      const counted = await lake.count({
        org: 'acme',
        from: T0,
        to: T0 + HOUR,
        step: HOUR,
        by: ['attr_svc'],
        contains: '',
      });
      const byValue = Object.fromEntries(
        counted.series.map((s) => [s.labels.attr_svc, s.points.reduce((sum, [, n]) => sum + n, 0)]),
      );
      expect(byValue).toEqual({ api: 1, '\uFEFFapi': 2 });
    },
  );
});
