/**
 * The two engines, one format: the same raw files ingested by the TypeScript engine, by DuckDB, and half
 * by each (mixed segments in one day), then every query asked of each lake through both engines. Rows
 * (values, order, limits) and counts must be identical, and the segments the engines write must carry
 * the same schema, sort order and index entries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type CountQuery,
  type EngineName,
  type Lake,
  type LogRow,
  type LogsQuery,
  openLake,
  readDayIndex,
} from '../../src/lake/index.js';
import { loadZstd } from '../../src/lake/parquet/zstd.js';
import { fileStorage, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { csvText, ndjsonGz, type RawLine, rawLines } from './support.js';

const DAY1 = Date.UTC(2026, 2, 9);
const MIDNIGHT = DAY1 + 86_400_000;
const HOUR = 3_600_000;
const orgs = { 'raw/': 'acme' };
const ENGINES: readonly EngineName[] = ['typescript', 'duckdb'];

// 23:00 on day 1 to 01:00 on day 2; every fifth line shares the previous one's time (ties)
function tiedLines(count: number, startMs: number, everyMs: number, first: number): RawLine[] {
  const lines = rawLines(count, startMs, everyMs, first);
  return lines.map((l, i) => (i % 5 === 4 ? { ...l, ms: lines[i - 1]!.ms } : l));
}
const FILES: Record<string, Uint8Array | string> = {
  'raw/a.json.gz': ndjsonGz(tiedLines(1200, MIDNIGHT - HOUR, 3000, 0)),
  'raw/b.ndjson.gz': ndjsonGz(tiedLines(900, MIDNIGHT - HOUR + 1500, 4000, 2000)),
  'raw/c.csv': csvText(rawLines(300, MIDNIGHT - 30 * 60_000, 12_000, 5000)),
  // rows without a level or a service, and an extra attribute
  'raw/d.json': rawLines(200, MIDNIGHT - 20 * 60_000, 6000, 7000)
    .map((l, i) =>
      JSON.stringify({
        timestamp: l.ms,
        message: l.msg,
        ...(i % 3 === 0 ? {} : { level: l.level }),
        ...(i % 4 === 0 ? {} : { resource_service_name: l.service }),
        ...(i % 2 === 0 ? { 'http.status': 200 + (i % 5) } : {}),
      }),
    )
    .join('\n'),
  // no row has the stream field
  'raw/e.json': rawLines(150, MIDNIGHT + 60_000, 9000, 8000)
    .map((l) => JSON.stringify({ timestamp: l.ms, message: l.msg, level: l.level }))
    .join('\n'),
};

let dir: string;
const ports: Record<'typescript' | 'duckdb' | 'mixed', StoragePort> = {} as never;
const lakes: Lake[] = [];

function open(port: StoragePort, engine: EngineName): Lake {
  const lake = openLake(port, { orgs, engine, segmentRows: 400, bucket: 'raw' });
  lakes.push(lake);
  return lake;
}

async function all(iterable: AsyncIterable<LogRow>): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-engines-'));
  for (const name of ['typescript', 'duckdb', 'mixed'] as const) {
    const port = fileStorage(join(dir, name));
    ports[name] = port;
    for (const [key, body] of Object.entries(FILES)) await port.put(key, body);
  }
  const keys = Object.keys(FILES);
  for (const engine of ENGINES) {
    const lake = open(ports[engine], engine);
    for (const key of keys) await lake.ingest(key);
  }
  // mixed: every other file by the other engine, so one day holds segments of both
  for (const [i, key] of keys.entries()) await open(ports.mixed, ENGINES[i % 2]!).ingest(key);
}, 180_000);

afterAll(async () => {
  await Promise.all(lakes.map((lake) => lake.close()));
  await rm(dir, { recursive: true, force: true });
});

const LOGS: LogsQuery[] = [
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, limit: 100_000 },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, limit: 100_000, order: 'forward' },
  { org: 'acme', from: MIDNIGHT - 600_000, to: MIDNIGHT + 600_000, limit: 37 },
  { org: 'acme', from: MIDNIGHT - 600_000, to: MIDNIGHT + 600_000, limit: 41, order: 'forward' },
  {
    org: 'acme',
    from: MIDNIGHT - HOUR,
    to: MIDNIGHT + HOUR,
    where: { level: 'ERROR', service: ['api', 'search'] },
    contains: 'took 1',
    limit: 10_000,
  },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, regex: 'id=req-1\\d{2}$', limit: 10_000 },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, regex: /from 10\.0\.7\./, limit: 5 },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, where: { attr_http_status: '202' }, limit: 10_000 },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, contains: '', limit: 10_000, order: 'forward' },
  { org: 'acme', from: MIDNIGHT - 5000, to: MIDNIGHT + 5000, limit: 100 },
  {
    org: 'acme',
    from: DAY1,
    to: DAY1 + 2 * 86_400_000,
    match: [
      { name: 'service', op: '!=', value: 'api' },
      { name: 'level', op: '=~', value: 'ERR.*|WARN' },
    ],
    limit: 57,
  },
];

const COUNTS: CountQuery[] = [
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, step: 300_000, by: ['level'] },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, step: 600_000, by: ['level', 'service'] },
  { org: 'acme', from: MIDNIGHT - HOUR, to: MIDNIGHT + HOUR, step: 60_000, where: { service: 'api' } },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, step: 900_000, by: ['level'], contains: 'took 2' },
  {
    org: 'acme',
    from: DAY1,
    to: DAY1 + 2 * 86_400_000,
    step: 3_600_000,
    by: ['service'],
    regex: 'ms id=req-\\d*7$',
  },
  { org: 'acme', from: MIDNIGHT - 1234, to: MIDNIGHT + 98_765, step: 7_000, by: ['level'] },
  { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000, by: ['attr_http_status', 'resource_file_type'] },
  {
    org: 'acme',
    from: DAY1,
    to: DAY1 + 2 * 86_400_000,
    step: 600_000,
    by: ['level'],
    match: [{ name: 'service', op: '=~', value: 'bill.*|' }],
  },
  {
    org: 'acme',
    from: DAY1,
    to: DAY1 + 2 * 86_400_000,
    step: 600_000,
    match: [{ name: 'attr_http_status', op: '!~', value: '20[01]' }],
  },
];

describe('two engines, one format', () => {
  it('the engines write the same rows, schema, sort order and index entries', async () => {
    const zstd = await loadZstd();
    const compressors = { ZSTD: (b: Uint8Array, n: number) => zstd.decompress(b, n) };
    const summaries: Record<string, unknown[]> = {};
    const contents: Record<string, unknown[]> = {};
    for (const engine of ENGINES) {
      const days = await Promise.all([20260309, 20260310].map((d) => readDayIndex(ports[engine], 'acme', d)));
      expect(days.map((d) => d.index.segments.length > 0)).toEqual([true, true]);
      summaries[engine] = [];
      contents[engine] = [];
      for (const dateint of [20260309, 20260310]) {
        const { index } = await readDayIndex(ports[engine], 'acme', dateint);
        for (const s of index.segments) {
          const { id, table, agg, tableBytes, aggBytes, createdAt, messageIndex, ...summary } = s;
          expect(table).toMatch(new RegExp(`^db/acme/default/${dateint}/logs/\\d\\d/tbl_${id}\\.parquet$`));
          // the message filter sits before each writer's footer (offsets differ); its bytes are the same
          const { offset, ...filterShape } = messageIndex!;
          const size = filterShape.partitions * filterShape.partitionBytes;
          const filter = await (
            await ports[engine].get(table, { range: { start: offset, end: offset + size - 1 } })
          ).bytes();
          summaries[engine]!.push({ ...summary, filterShape, filter: [...filter] });
          for (const key of [table, agg]) {
            const bytes = await (await ports[engine].get(key)).bytes();
            const file = bytes.buffer.slice(
              bytes.byteOffset,
              bytes.byteOffset + bytes.byteLength,
            ) as ArrayBuffer;
            const metadata = parquetMetadata(file);
            const schema = metadata.schema
              .slice(1)
              .map((c) => [c.name, c.type, c.logical_type?.type ?? null]);
            const codecs = new Set(
              metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)),
            );
            const stream = metadata.key_value_metadata?.find(
              (kv) => kv.key === 'bucketkit.lake.stream_field',
            );
            const rows = await parquetReadObjects({ file, compressors });
            contents[engine]!.push({
              schema,
              codecs: [...codecs],
              stream: key === table ? stream?.value : null,
              rows,
            });
          }
        }
      }
    }
    expect(summaries.duckdb).toEqual(summaries.typescript);
    expect(contents.duckdb).toEqual(contents.typescript);
  });

  for (const [i, query] of LOGS.entries()) {
    it(`logs query ${i}: every lake answers the same through both engines`, async () => {
      const answers: LogRow[][] = [];
      for (const port of Object.values(ports))
        for (const engine of ENGINES) answers.push(await all(open(port, engine).logs(query)));
      expect(answers[0]!.length).toBeGreaterThan(0);
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });
  }

  for (const [i, query] of COUNTS.entries()) {
    it(`count query ${i}: every lake answers the same through both engines`, async () => {
      const answers: unknown[] = [];
      for (const port of Object.values(ports))
        for (const engine of ENGINES) {
          const result = await open(port, engine).count(query);
          answers.push(result.series);
          expect(result.stats.segmentsRead).toBeGreaterThan(0);
        }
      expect((answers[0] as unknown[]).length).toBeGreaterThan(0);
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });
  }

  it('the counts match the raw lines, from agg files and from tables alike', async () => {
    const query = { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000 };
    const total = 1200 + 900 + 300 + 200 + 150;
    for (const engine of ENGINES) {
      const lake = open(ports.mixed, engine);
      const agg = await lake.count(query);
      expect(agg.stats.usedAggFiles).toBe(true);
      expect(agg.series).toEqual([{ labels: {}, points: [[DAY1, total]] }]);
      const tables = await lake.count({ ...query, contains: '' });
      expect(tables.stats.usedAggFiles).toBe(false);
      expect(tables.series).toEqual(agg.series);
    }
  });
});

describe('the DuckDB engine', () => {
  it('auto picks DuckDB when it is installed; typescript stays typescript', async () => {
    expect(await open(ports.mixed, 'duckdb').engine()).toBe('duckdb');
    expect(await open(ports.mixed, 'typescript').engine()).toBe('typescript');
    const auto = openLake(ports.mixed, { orgs });
    lakes.push(auto);
    expect(await auto.engine()).toBe('duckdb');
    expect(() => openLake(ports.mixed, { engine: 'sqlite' as never })).toThrow(/InvalidArgument/);
  });

  it('reads segments through any port: whole segments fetched once, then from its local copies', async () => {
    const memory = memoryStorage();
    for (const key of ['raw/a.json.gz', 'raw/c.csv']) await memory.put(key, FILES[key]!);
    const lake = open(memory, 'duckdb');
    for (const key of ['raw/a.json.gz', 'raw/c.csv']) await lake.ingest(key);
    const query = { org: 'acme', from: MIDNIGHT, to: MIDNIGHT + HOUR, limit: 100_000 };
    const first = lake.logs(query);
    const rows = await all(first);
    const { index } = await readDayIndex(memory, 'acme', 20260310);
    const live = index.segments.filter((s) => s.endMs > MIDNIGHT && s.startMs < MIDNIGHT + HOUR);
    expect(first.stats.requests).toBe(1 + live.length); // the index, then one GET per segment
    expect(first.stats.bytesRead).toBeGreaterThanOrEqual(live.reduce((n, s) => n + s.tableBytes, 0));
    const again = lake.logs(query);
    expect(await all(again)).toEqual(rows);
    expect(again.stats.requests).toBe(1);
    expect(rows).toEqual(await all(open(memory, 'typescript').logs(query)));
  });

  it('a damaged segment is Corrupt, an aborted query Aborted: no raw DuckDB error', async () => {
    const port = fileStorage(join(dir, 'damaged'));
    await port.put('raw/c.csv', FILES['raw/c.csv']!);
    const lake = open(port, 'duckdb');
    await lake.ingest('raw/c.csv');
    const { index } = await readDayIndex(port, 'acme', 20260310);
    const segment = index.segments[0]!;
    await port.put(segment.table, new Uint8Array(segment.tableBytes).fill(7));
    const query = { org: 'acme', from: DAY1, to: DAY1 + 2 * 86_400_000 };
    const error = await all(lake.logs(query)).catch((e: unknown) => e);
    expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
    expect((error as Error).message).toMatch(/^Corrupt: DuckDB failed reading segments/);
    const counted = await lake.count({ ...query, contains: 'x' }).catch((e: unknown) => e);
    expect(BucketkitError.is(counted, 'Corrupt')).toBe(true);
    const aborted = await all(lake.logs({ ...query, signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect(BucketkitError.is(aborted, 'Aborted')).toBe(true);
  });
});
