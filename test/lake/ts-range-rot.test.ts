/**
 * The TypeScript engine reads file-port segments by range (the footer, then column chunks), never
 * whole: before block checksums such a read checked the data file's length only, so a flipped byte
 * gave rows with wrong values (unless the range happened to cover the whole object, which the port
 * checked against its MD5). Now every ranged read checks its bytes: a flip
 * in bytes the query reads is `Corrupt`, one elsewhere changes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { openLake, readDayIndex } from '../../src/lake/index.js';
import { fileStorage, type GetOptions } from '../../src/storage/index.js';
import { flipByteAt } from '../support/flip-byte.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const FROM = T0 - 3_600_000;
const TO = T0 + 3_600_000;
const ORGS = { 'raw/': 'acme' };
/** ~280 KB of segment: the engine reads it in several ranges, none of them the whole object. */
const ROWS = 30_000;
const FLIPS = 40;

let dir: string;
let tablePath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-ts-range-rot-'));
  const port = fileStorage(dir);
  await port.put('raw/a.json.gz', ndjsonGz(rawLines(ROWS, T0, 100, 0)));
  const lake = openLake(port, { orgs: ORGS, engine: 'typescript' });
  await lake.ingest('raw/a.json.gz');
  await lake.close();
  const { index } = await readDayIndex(port, 'acme', 20260102);
  expect(index.segments).toHaveLength(1);
  const path = await port.localPath(index.segments[0]!.table);
  expect(path).toBeDefined(); // big enough to live in a data file
  tablePath = path!;
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * Every row through a fresh port and lake (the engine keeps footers per port: a flip must meet a
 * read), with the byte ranges of the segment the query read.
 */
async function rowsAndRanges(): Promise<{ rows: string[] | unknown; ranges: [number, number][] }> {
  const port = fileStorage(dir);
  const ranges: [number, number][] = [];
  const get = port.get.bind(port);
  port.get = (key: string, options?: GetOptions) => {
    if (key.includes('/tbl_') && options?.range) ranges.push([options.range.start, options.range.end ?? -1]);
    return get(key, options);
  };
  const lake = openLake(port, { orgs: ORGS, engine: 'typescript' });
  try {
    const rows: string[] = [];
    for await (const row of lake.logs({ org: 'acme', from: FROM, to: TO, limit: 100_000 }))
      rows.push(JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
    return { rows, ranges };
  } catch (err) {
    return { rows: err, ranges };
  } finally {
    await lake.close();
  }
}

describe('TypeScript engine on the file port: segments read by range are checked', () => {
  it('a byte flipped in a log segment is Corrupt when the query reads it, never a wrong answer', async () => {
    const { rows: healthy, ranges } = await rowsAndRanges();
    expect(healthy).toHaveLength(ROWS);
    expect(ranges.length, 'the engine reads the segment by range').toBeGreaterThan(1);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(tablePath));
    let corrupt = 0;
    for (let i = 1; i < FLIPS; i++) {
      await flipByteAt(tablePath, i / FLIPS);
      const at = Math.floor(size * (i / FLIPS));
      const got = await rowsAndRanges();
      await flipByteAt(tablePath, i / FLIPS); // flipped back: the segment is whole again
      const read = got.ranges.some(([start, end]) => start <= at && (end < 0 || at <= end));
      if (BucketkitError.is(got.rows, 'Corrupt')) corrupt++;
      else {
        expect(got.rows, `byte at ${i}/${FLIPS}: ${String(got.rows).slice(0, 300)}`).toEqual(healthy);
        expect(read, `byte at ${i}/${FLIPS} was read yet the answer came back`).toBe(false);
      }
    }
    // the query reads nearly the whole segment: most flips meet a read (before block checksums, the
    // first of these positions already gave rows with wrong values and no error)
    expect(corrupt).toBeGreaterThanOrEqual(FLIPS - 5);
    expect((await rowsAndRanges()).rows).toEqual(healthy);
  }, 120_000);
});
