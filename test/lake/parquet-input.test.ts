/**
 * Raw Parquet log files written by DuckDB (an independent writer) decode with LakeRunner's detection by
 * column name: ns/µs/ms/generic timestamps, message and level names, `_` columns dropped, `resource_*` and
 * `chq_*` kept, every other column `resource_<name>` (structs flattened, lists as JSON). Damaged files are
 * `Corrupt`, a codec the reader lacks `Unsupported`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type DecodedLog,
  decodeObject,
  detectParquetLogColumns,
  openLake,
  readDayIndex,
} from '../../src/lake/index.js';
import { memoryStorage } from '../../src/storage/index.js';

let dir: string;
let db: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bk-parquet-input-'));
  db = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** A Parquet file DuckDB writes from `select`. */
async function duckdbParquet(
  select: string,
  options = 'COMPRESSION zstd, ROW_GROUP_SIZE 1000',
): Promise<Uint8Array> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  const con = await db.connect();
  try {
    await con.run(`COPY (${select}) TO '${file}' (FORMAT parquet, ${options})`);
  } finally {
    con.closeSync();
  }
  return new Uint8Array(await readFile(file));
}

async function decode(bytes: Uint8Array, key = 'logs-raw/app/export.parquet'): Promise<DecodedLog[]> {
  const port = memoryStorage();
  const info = await port.put(key, bytes);
  const out: DecodedLog[] = [];
  for await (const log of decodeObject(port, key, info.size)) out.push(log);
  return out;
}

async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    return `ok ${(await decode(bytes)).length}`;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

const LOGS_SELECT = `
  SELECT 1767225600000000000 + i * 1000 AS ts_ns,
         'request ' || i || ' done' AS msg,
         CASE WHEN i % 10 = 0 THEN 'ERROR' ELSE 'INFO' END AS Severity,
         'svc-' || (i % 3) AS service,
         i AS _internal,
         'host-1' AS resource_host,
         'acme' AS chq_customer_id,
         {'method': 'GET', 'status': 200 + (i % 2)} AS http,
         ['a', 'b'] AS tags,
         'x' AS "Weird.Name"
  FROM range(2500) t(i)`;

describe('Parquet log input', () => {
  it('detects timestamp, message and level by name and renames the other columns as LakeRunner does', async () => {
    const logs = await decode(await duckdbParquet(LOGS_SELECT));
    expect(logs).toHaveLength(2500);
    expect(logs[1230]).toEqual({
      timestampNs: 1767225600000000000n + 1230n * 1000n,
      message: 'request 1230 done',
      level: 'ERROR',
      resource: {},
      scope: {},
      attributes: {},
      columns: {
        resource_service: 'svc-0',
        resource_host: 'host-1',
        chq_customer_id: 'acme',
        resource_http_method: 'GET',
        resource_http_status: 200n, // DuckDB types 200 + (i % 2) as BIGINT
        resource_tags: '["a","b"]',
        resource_weird_name: 'x',
      },
    });
  });

  it('keeps a leading U+FEFF in string columns (pinned: the default hyparquet decoder dropped it)', async () => {
    const logs = await decode(
      await duckdbParquet(
        `SELECT 1767225600000000000 AS ts_ns, chr(65279) || 'hello' AS msg, chr(65279) AS service`,
      ),
    );
    expect(logs[0]!.message).toBe('\uFEFFhello');
    expect(logs[0]!.columns).toMatchObject({ resource_service: '\uFEFF' });
  });

  it('reads µs, ms and generic (ISO text, TIMESTAMP) timestamp columns', async () => {
    const at = 1767225600123n;
    const cases: [string, bigint][] = [
      [`SELECT ${at * 1000n} AS timestamp_us, 'm' AS message`, at * 1_000_000n],
      [`SELECT ${at} AS timestamp_ms, 'm' AS message`, at * 1_000_000n],
      [`SELECT '2026-01-01T00:00:00.123Z' AS "@timestamp", 'm' AS body`, at * 1_000_000n],
      [`SELECT TIMESTAMP '2026-01-01 00:00:00.123' AS time, 'm' AS log`, at * 1_000_000n],
      [`SELECT ${at / 1000n} AS ts, 'm' AS text`, (at / 1000n) * 1_000_000_000n],
    ];
    for (const [select, ns] of cases) {
      const [log] = await decode(await duckdbParquet(select));
      expect(log, select).toMatchObject({ timestampNs: ns, message: 'm' });
    }
  });

  it('prefers nanosecond names over microsecond, millisecond and generic ones', () => {
    expect(detectParquetLogColumns(['time', 'timestamp_ms', 'TSNS', 'lvl', 'content'])).toEqual({
      timestamp: { name: 'TSNS', unit: 'ns' },
      message: 'content',
      level: 'lvl',
    });
    expect(detectParquetLogColumns(['a', 'b'])).toEqual({});
  });

  it('reads SNAPPY and uncompressed files too', async () => {
    for (const codec of ['snappy', 'uncompressed']) {
      const logs = await decode(await duckdbParquet(LOGS_SELECT, `COMPRESSION ${codec}`));
      expect(logs).toHaveLength(2500);
      expect(logs[7]!.message).toBe('request 7 done');
    }
  });

  it('refuses a codec it cannot read as Unsupported, and damaged files as Corrupt', async () => {
    expect(await outcome(await duckdbParquet(LOGS_SELECT, 'COMPRESSION brotli'))).toBe('Unsupported');
    const good = await duckdbParquet(LOGS_SELECT);
    expect(await outcome(good.subarray(0, good.length - 100))).toBe('Corrupt');
    expect(await outcome(good.subarray(0, 3))).toBe('Corrupt');
    expect(await outcome(new TextEncoder().encode('not parquet at all, just text'))).toBe('Corrupt');
    for (let i = 0; i < 40; i++) {
      const damaged = good.slice();
      const at = 4 + ((i * 7919) % (good.length - 8));
      damaged.fill(0xff, at, Math.min(at + 64, good.length - 8));
      expect(await outcome(damaged)).toMatch(/^(ok \d+|Corrupt|Unsupported)$/);
    }
  });

  it('refuses a hostile SNAPPY page as Corrupt and publishes nothing (hyparquet would loop forever)', async () => {
    // a literal whose 4-byte length has the top bit set: hyparquet's snappyUncompress never returns on it
    const hostile = new Uint8Array([112, 252, 198, 39, 25, 180]);
    const day = Date.UTC(2026, 0, 9);
    const rows = 1000;
    const ts = Array.from({ length: rows }, (_, i) => BigInt(day + i * 1000) * 1_000_000n);
    const msg = Array.from({ length: rows }, (_, i) => (i < 500 ? `first half ${i}` : `second half ${i}`));
    const marker = Buffer.from('second half');
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'ts_ns', data: ts, type: 'INT64' },
          { name: 'msg', data: msg, type: 'STRING' },
        ],
        rowGroupSize: 500,
        codec: 'SNAPPY',
        // the second row group's message pages are replaced by the hostile bytes; the first stays good
        compressors: {
          SNAPPY: (page: Uint8Array) => (Buffer.from(page).includes(marker) ? hostile : snappyCompress(page)),
        },
      }),
    );
    const port = memoryStorage();
    await port.put('logs-raw/hostile.parquet', bytes);
    const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' }, segmentRows: 100 });
    const error = await lake.ingest('logs-raw/hostile.parquet').catch((e: unknown) => e);
    expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
    expect((error as Error).message).toContain(
      'logs-raw/hostile.parquet (a SNAPPY page) is not valid snappy',
    );
    expect((await readDayIndex(port, 'acme', 20260109)).index.segments).toEqual([]);
    const left = [];
    for await (const e of port.list({ prefix: 'db/acme/' })) left.push(e);
    expect(left).toEqual([]);
  }, 60_000);
});
