/**
 * The message index (grams of `log_message` in a partitioned bloom filter inside each table object) and the
 * fast agg-file counts: a needle query reads only the segments that can hold it, never misses a match
 * (property tests, pinned seeds), and counts from agg files come from one GET per file, then from memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateLogQL, type Lake, type LogRow, openLake, readDayIndex } from '../../src/lake/index.js';
import type { CookedLog } from '../../src/lake/ingest/normalise.js';
import { filterMayHold, textRequirements } from '../../src/lake/query/message-filter.js';
import { forEachToken, GRAM, gramHash, needleGrams, STRIDE } from '../../src/lake/segments/message-grams.js';
import { buildMessageFilter, probes } from '../../src/lake/segments/message-index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';

const rowsOf = (messages: readonly string[]) => messages.map((log_message) => ({ log_message }) as CookedLog);

/** Whether the filter built from `messages` lets a query with these text filters read the segment. */
function passes(messages: readonly string[], contains?: string, regex?: RegExp): boolean {
  const filter = buildMessageFilter(rowsOf(messages));
  const part = (p: number) =>
    filter.bytes.subarray(p * filter.partitionBytes, (p + 1) * filter.partitionBytes);
  return filterMayHold(filter, part, textRequirements(contains, regex));
}

describe('needle grams', () => {
  it('asks for the grams every message holding the needle has', () => {
    expect(needleGrams('ord-5e1f0c2a9d')).toEqual([['5e1f0c2a']]);
    expect(needleGrams('order ord-5e1f0c2a9d failed')).toEqual([['5e1f0c2a', '1f0c2a9d']]);
    expect(needleGrams('short words only')).toBeNull();
    // inside one token: one of the four alignments
    expect(needleGrams('ABCDEFGHIJK')).toEqual([['abcdefgh'], ['bcdefghi'], ['cdefghij'], ['defghijk']]);
    expect(needleGrams('abcdefghij')).toBeNull(); // 10 characters: one alignment has no whole gram
  });

  const alphabet = fc.constantFrom(...'abcdEF0123456789-_ =./é'.split(''));
  const text = fc.array(alphabet, { minLength: 0, maxLength: 60 }).map((c) => c.join(''));

  it('hashes a gram as stored segments do (pinned vectors: a stored filter must stay readable)', () => {
    expect(gramHash('abcdefgh', 0)).toEqual([3710918640, 3265814706]);
    expect(gramHash('x ORD-5E1F0C2A9D', 6)).toEqual([4064849182, 3622478052]);
    expect(gramHash('żółćżółćżółć', 2)).toEqual([2154726431, 867975843]);
  });

  it("sets exactly the bits of its keys' probes (property against a plain re-computation, pinned seed)", () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 0, maxLength: 400 }), (messages) => {
        const filter = buildMessageFilter(rowsOf(messages));
        const keys = new Map<string, [number, number]>();
        for (const m of messages) {
          forEachToken(m, (start, end) => {
            if (end - start < GRAM) return;
            const at = [];
            for (let i = start; i + GRAM <= end; i += STRIDE) at.push(i);
            at.push(end - GRAM);
            for (const i of at) {
              const [a, b] = gramHash(m, i);
              keys.set(`${a},${b}`, [a, b]);
            }
          });
        }
        const expected = new Uint8Array(filter.bytes.byteLength);
        const bits = filter.partitionBytes * 8;
        for (const [a, b] of keys.values()) {
          const base = (a % filter.partitions) * filter.partitionBytes;
          for (const bit of probes(a, b, bits, filter.hashes))
            expected[base + (bit >>> 3)]! |= 1 << (bit & 7);
        }
        expect(filter.keys).toBe(keys.size);
        expect(filter.bytes).toEqual(expected);
      }),
      { seed: 20261207, numRuns: 200 },
    );
  });

  it('never rules out a segment holding a substring needle (property, pinned seed)', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (messages, which, from, length) => {
          const message = messages[which % messages.length]!;
          const start = message.length === 0 ? 0 : from % message.length;
          const needle = message.slice(start, start + (length % 40));
          expect(passes(messages, needle)).toBe(true);
        },
      ),
      { seed: 20261206, numRuns: 400 },
    );
  });

  it('never rules out a segment holding a regex match (property, pinned seed)', () => {
    const piece = fc.constantFrom(
      'abcdef01',
      '23456789',
      'abcd',
      '-',
      '.',
      '.*',
      '[0-9]+',
      '\\d',
      '(ab|cd)',
      'e?',
      'f*',
      '\\.',
      ' ',
      '|',
    );
    const source = fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 30 }),
        source,
        fc.boolean(),
        (messages, body, i) => {
          let regex: RegExp;
          try {
            regex = new RegExp(body, i ? 'i' : '');
          } catch {
            return;
          }
          const withMatch = [...messages, 'xx abcdef0123456789abcd-e.f 2 ab ABCDEF0123456789ABCD'];
          if (withMatch.some((m) => regex.test(m))) expect(passes(withMatch, undefined, regex)).toBe(true);
        },
      ),
      { seed: 20261206, numRuns: 400 },
    );
  });

  it('rules out segments without the needle, case-insensitively for ASCII', () => {
    const messages = Array.from(
      { length: 2000 },
      (_, i) => `request req-${(i * 7919).toString(16).padStart(12, '0')} done`,
    );
    const eighth = `req-${(8 * 7919).toString(16).padStart(12, '0')}`;
    expect(eighth).toBe('req-00000000f778');
    expect(passes(messages, eighth)).toBe(true);
    expect(passes(messages, 'ord-5e1f0c2a9d')).toBe(false);
    expect(passes(messages, undefined, /ord-5e1f0c2a9d/)).toBe(false);
    expect(passes(messages, undefined, /REQUEST REQ-00000000F778/i)).toBe(true);
  });
});

describe('a lake with the message index', () => {
  let dir: string;
  let port: StoragePort;
  let lake: Lake;
  const DAY = Date.UTC(2026, 2, 3);
  const NEEDLE = 'ord-5e1f0c2a9d';
  const NEEDLE_MS = DAY + 13 * 3_600_000 + 5 * 60_000;
  const FILES = 12;
  const PER_FILE = 1500;

  /** Deterministic lines: ids from a seeded generator, one needle line at 13:05. */
  function file(f: number): Uint8Array {
    let seed = 1234 + f;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const lines: string[] = [];
    const slice = 86_400_000 / FILES;
    for (let i = 0; i < PER_FILE; i++) {
      const ms = DAY + f * slice + Math.floor((i * slice) / PER_FILE);
      const id = `${next().toString(16).padStart(8, '0')}${next().toString(16).padStart(8, '0')}`;
      const level = ['INFO', 'INFO', 'WARN', 'ERROR'][next() % 4];
      const service = ['api', 'billing', 'search'][next() % 3];
      lines.push(
        JSON.stringify({
          timestamp: new Date(ms).toISOString(),
          level,
          resource_service_name: service,
          message: `order ord-${id.slice(0, 10)} created req=${id} took ${next() % 900}ms`,
        }),
      );
      if (ms <= NEEDLE_MS && NEEDLE_MS < ms + slice / PER_FILE) {
        lines.push(
          JSON.stringify({
            timestamp: new Date(NEEDLE_MS).toISOString(),
            level: 'ERROR',
            resource_service_name: 'billing',
            message: `refund for order ${NEEDLE} failed`,
          }),
        );
      }
    }
    return gzipSync(lines.join('\n'));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-msgidx-'));
    port = fileStorage(join(dir, 'bucket'));
    for (let f = 0; f < FILES; f++) await port.put(`raw/app-${f}.ndjson.gz`, file(f));
    lake = openLake(port, { orgs: { 'raw/': 'acme' }, segmentRows: 500, engine: 'typescript' });
    for (let f = 0; f < FILES; f++) await lake.ingest(`raw/app-${f}.ndjson.gz`);
  });

  afterAll(async () => {
    await lake.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function all(iterable: AsyncIterable<LogRow>): Promise<LogRow[]> {
    const rows: LogRow[] = [];
    for await (const row of iterable) rows.push(row);
    return rows;
  }

  it('reads only the segment holding a needle over the whole day, on both engines', async () => {
    const { index } = await readDayIndex(port, 'acme', 20260303);
    expect(index.segments.length).toBe(37);
    const dayBytes = index.segments.reduce((n, s) => n + s.tableBytes + s.aggBytes, 0);
    for (const engine of ['typescript', 'duckdb'] as const) {
      const reader = openLake(port, { engine });
      const result = reader.logs({ org: 'acme', from: DAY, to: DAY + 86_400_000, contains: NEEDLE });
      const rows = await all(result);
      expect(rows.map((r) => r.log_message)).toEqual([`refund for order ${NEEDLE} failed`]);
      expect(result.stats.segmentsConsidered).toBe(37);
      expect(result.stats.segmentsPrunedByText).toBeGreaterThanOrEqual(35);
      expect(result.stats.segmentsRead).toBeLessThanOrEqual(2);
      // at this size the day index is most of what is read; the rest stays under 10 % of the day
      const indexBytes = (await port.head('db/acme/_index/logs/20260303.json')).size;
      expect(result.stats.bytesRead - indexBytes).toBeLessThan(dayBytes * 0.1);
      await reader.close();
    }
  });

  it('prunes for LogQL line filters, regexes included, with the same answers as a full scan', async () => {
    for (const query of [
      `{service="billing"} |= "${NEEDLE}"`,
      `{service=~".+"} |~ "order ord-5e1f0c2a9d fail(ed)?"`,
    ]) {
      const result = await evaluateLogQL(lake, {
        org: 'acme',
        query,
        start: DAY,
        end: DAY + 86_400_000,
        limit: 10,
      });
      expect(result.type).toBe('streams');
      const lines =
        result.type === 'streams' ? result.streams.flatMap((s) => s.entries.map((e) => e[1])) : [];
      expect(lines).toEqual([`refund for order ${NEEDLE} failed`]);
      expect(result.stats.segmentsRead).toBeLessThanOrEqual(2);
    }
    // a needle present in many segments is not pruned away
    const common = lake.logs({
      org: 'acme',
      from: DAY,
      to: DAY + 86_400_000,
      contains: 'created req=',
      limit: 20_000,
    });
    expect((await all(common)).length).toBe(FILES * PER_FILE);
    expect(common.stats.segmentsPrunedByText).toBe(0);
  });

  it('counts by level from the day counts in two GETs, then from memory, as DuckDB counts the raw rows', async () => {
    const query = { org: 'acme', from: DAY, to: DAY + 86_400_000, step: 300_000, by: ['level'] };
    const cold = await openLake(port, { engine: 'typescript' }).count(query);
    expect(cold.stats.usedAggFiles).toBe(true);
    expect(cold.stats.dayCounts).toBe(1);
    expect(cold.stats.requests).toBe(2); // the day index and the day counts (37 segments)
    const warm = await lake.count(query);
    expect(warm.series).toEqual(cold.series);
    expect(warm.stats.requests).toBe(1);
    expect(warm.stats.cachedBytes).toBeGreaterThan(0);
    const duck = await openLake(port, { engine: 'duckdb' });
    expect((await duck.count(query)).series).toEqual(cold.series);
    await duck.close();

    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const raw = Array.from({ length: FILES }, (_, f) => `'${join(dir, 'raw-check', `${f}.ndjson.gz`)}'`);
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dir, 'raw-check'));
    for (let f = 0; f < FILES; f++) await writeFile(join(dir, 'raw-check', `${f}.ndjson.gz`), file(f));
    const reader = await con.runAndReadAll(
      `SELECT level, (epoch_ms(timestamp::TIMESTAMP) - ${DAY}) // 300000 AS step, count(*) AS n
       FROM read_ndjson([${raw.join(', ')}]) GROUP BY ALL`,
    );
    const expected = new Map<string, number>();
    for (const row of reader.getRowObjects())
      expected.set(`${row.level} ${DAY + Number(row.step) * 300_000}`, Number(row.n));
    const got = new Map<string, number>();
    for (const s of cold.series) for (const [t, n] of s.points) got.set(`${s.labels.log_level} ${t}`, n);
    expect(got).toEqual(expected);
    con.closeSync();
    db.closeSync();
  });
});
