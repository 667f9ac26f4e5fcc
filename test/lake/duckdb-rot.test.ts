/**
 * The DuckDB engine reads file-port segments in place, where DuckDB checks no length or checksum: the
 * engine must first read each data file through the port, so a flipped or cut byte is `Corrupt`
 * rather than rows with wrong values. A healthy segment, once checked, is not read whole again.
 */
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { type Lake, openLake, readDayIndex } from '../../src/lake/index.js';
import type { FileStoragePort, GetOptions } from '../../src/storage/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { flipByteAt } from '../support/flip-byte.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const FROM = T0 - 3_600_000;
const TO = T0 + 3_600_000;

let dir: string;
let port: FileStoragePort;
let lake: Lake;
let tablePath: string;

async function allRows(target: Lake): Promise<string[]> {
  const out: string[] = [];
  for await (const row of target.logs({ org: 'acme', from: FROM, to: TO, limit: 100_000 }))
    out.push(row.log_message);
  return out;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-duckdb-rot-'));
  port = fileStorage(dir);
  await port.put('raw/a.json.gz', ndjsonGz(rawLines(3000, T0, 500, 0)));
  lake = openLake(port, { orgs: { 'raw/': 'acme' }, engine: 'duckdb' });
  await lake.ingest('raw/a.json.gz');
  const { index } = await readDayIndex(port, 'acme', 20260102);
  expect(index.segments).toHaveLength(1);
  const path = await port.localPath(index.segments[0]!.table);
  expect(path).toBeDefined(); // big enough to live in a data file, read in place
  tablePath = path!;
});

afterEach(async () => {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDB engine on the file port: segments are checked before DuckDB reads them', () => {
  it('a byte flipped anywhere in a segment is Corrupt, never rows with wrong values', async () => {
    const healthy = await allRows(lake);
    expect(healthy).toHaveLength(3000);
    // DuckDB alone notices some flips (a page that no longer decompresses) but returns wrong text for
    // others (a flip in a zstd literal); every one of these positions must be Corrupt
    for (let i = 1; i < 20; i++) {
      await flipByteAt(tablePath, i / 20);
      const got = await allRows(lake).catch((e: unknown) => e);
      expect(
        BucketkitError.is(got, 'Corrupt'),
        `byte at ${i}/20 of the file: ${String(got).slice(0, 300)}`,
      ).toBe(true);
      await flipByteAt(tablePath, i / 20); // flipped back: the segment is whole again
      expect(await allRows(lake)).toEqual(healthy);
    }
  }, 120_000);

  it('a segment changed on disk after it was checked is checked again: Corrupt', async () => {
    const before = await allRows(lake);
    expect(before).toHaveLength(3000);
    await flipByteAt(tablePath, 0.7);
    const err = await allRows(lake).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  });

  it('a cut segment is Corrupt', async () => {
    await truncate(tablePath, 100);
    const err = await allRows(lake).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  });

  it('a healthy segment is read whole once, then in place', async () => {
    const wholeReads: string[] = [];
    const get = port.get.bind(port);
    port.get = (key: string, options?: GetOptions) => {
      if (key.includes('/tbl_') && options?.range === undefined) wholeReads.push(key);
      return get(key, options);
    };
    expect(await allRows(lake)).toHaveLength(3000);
    expect(await allRows(lake)).toHaveLength(3000);
    expect(wholeReads).toHaveLength(1);
  });
});
