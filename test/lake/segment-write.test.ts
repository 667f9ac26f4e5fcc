/**
 * The TypeScript writer puts a segment into Parquet one row group at a time: a table of several row
 * groups and an agg file of more entries than one row group must read back whole and in order.
 */
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import type { CookedLog } from '../../src/lake/ingest/normalise.js';
import { loadZstd } from '../../src/lake/parquet/zstd.js';
import { decodeAggFile } from '../../src/lake/segments/agg-file.js';
import { ROW_GROUP_ROWS, writeAggFile, writeTableFile } from '../../src/lake/segments/write.js';

const STREAMS = ['api', 'billing', 'search'];

/** `count` rows, each in a 10 s bucket of its own, so the agg file has one entry per row. */
function rows(count: number): CookedLog[] {
  return Array.from({ length: count }, (_, i) => {
    const ms = 1_767_312_000_000 + i * 10_000;
    return {
      chq_timestamp: ms,
      chq_tsns: BigInt(ms) * 1_000_000n + BigInt(i % 997),
      chq_fingerprint: BigInt(i % 7) - 3n,
      chq_telemetry_type: 'logs',
      chq_customer_id: 'acme',
      log_message: `request ${i} took ${i % 313}ms`,
      log_level: i % 11 === 0 ? null : 'INFO',
      fields: { resource_service_name: STREAMS[i % 3]!, ...(i % 5 === 0 ? { attr_user: `u${i}` } : {}) },
    };
  });
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('segment files of more than one row group', () => {
  const count = ROW_GROUP_ROWS * 2 + 1234;

  it('a table file holds every row once, sorted by stream, fingerprint and time', async () => {
    const zstd = await loadZstd();
    const input = rows(count);
    const file = buffer(writeTableFile([...input], 'resource_service_name', zstd));
    expect(parquetMetadata(file).row_groups.map((g) => Number(g.num_rows))).toEqual([
      ROW_GROUP_ROWS,
      ROW_GROUP_ROWS,
      1234,
    ]);
    const read = await parquetReadObjects({ file, compressors: { ZSTD: (b, n) => zstd.decompress(b, n) } });
    expect(read).toHaveLength(count);
    const key = (r: Record<string, unknown>) =>
      [r.resource_service_name, r.chq_fingerprint, r.chq_tsns] as [string, bigint, bigint];
    for (let i = 1; i < read.length; i++) {
      const [s0, f0, t0] = key(read[i - 1]!);
      const [s1, f1, t1] = key(read[i]!);
      expect(s0 < s1 || (s0 === s1 && (f0 < f1 || (f0 === f1 && t0 <= t1)))).toBe(true);
    }
    const messages = read.map((r) => r.log_message as string).sort();
    expect(messages).toEqual(input.map((r) => r.log_message).sort());
    const users = read.filter((r) => r.attr_user !== null).map((r) => r.attr_user);
    expect(users).toHaveLength(input.filter((r) => r.fields.attr_user !== undefined).length);
    for (const r of read) expect(r.chq_timestamp).toBe((r.chq_tsns as bigint) / 1_000_000n);
  });

  it('an agg file of more entries than a row group counts every row once, in bucket order', async () => {
    const zstd = await loadZstd();
    const file = buffer(writeAggFile(rows(count), 'resource_service_name', zstd));
    const read = await parquetReadObjects({ file, compressors: { ZSTD: (b, n) => zstd.decompress(b, n) } });
    expect(read).toHaveLength(count);
    expect(read.reduce((n, r) => n + Number(r.count), 0)).toBe(count);
    const buckets = read.map((r) => Number(r.bucket_ts));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(new Set(buckets).size).toBe(count);
  });

  it('an agg file counts each (10 s bucket, level, stream) once, ordered by bucket, level (null first), stream', async () => {
    const zstd = await loadZstd();
    const row = fc.record({
      bucket: fc.integer({ min: 0, max: 40 }),
      within: fc.integer({ min: 0, max: 9_999 }),
      level: fc.option(fc.constantFrom('ERROR', 'INFO', 'info', 'WARN'), { nil: null }),
      stream: fc.option(fc.constantFrom('api', 'billing', 'Zeta', 'żółć'), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 300 }), async (picked) => {
        const input = picked.map(({ bucket, within, level, stream }, i): CookedLog => {
          const ms = 1_767_312_000_000 + bucket * 10_000 + within;
          return {
            chq_timestamp: ms,
            chq_tsns: BigInt(ms) * 1_000_000n,
            chq_fingerprint: BigInt(i % 3),
            chq_telemetry_type: 'logs',
            chq_customer_id: 'acme',
            log_message: 'm',
            log_level: level,
            fields: stream === undefined ? {} : { resource_service_name: stream },
          };
        });
        const expected = new Map<
          string,
          { bucket: number; level: string | null; stream: string; count: number }
        >();
        for (const r of input) {
          const bucket = r.chq_timestamp - (r.chq_timestamp % 10_000);
          const stream = r.fields.resource_service_name ?? '';
          const key = JSON.stringify([bucket, r.log_level, stream]);
          const entry = expected.get(key) ?? { bucket, level: r.log_level, stream, count: 0 };
          entry.count++;
          expected.set(key, entry);
        }
        const text = (v: string | null) => (v === null ? '' : `~${v}`); // null first, then code-unit order
        const sorted = [...expected.values()].sort(
          (a, b) =>
            a.bucket - b.bucket ||
            (text(a.level) < text(b.level) ? -1 : text(a.level) > text(b.level) ? 1 : 0) ||
            (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0),
        );
        const file = buffer(writeAggFile(input, 'resource_service_name', zstd));
        const read = await parquetReadObjects({
          file,
          compressors: { ZSTD: (b, n) => zstd.decompress(b, n) },
        });
        expect(
          read.map((r) => ({
            bucket: Number(r.bucket_ts),
            level: (r.log_level as string | null) ?? null,
            stream: r.resource_service_name,
            count: Number(r.count),
          })),
        ).toEqual(sorted);
      }),
      { numRuns: 40 },
    );
  });

  it('decodeAggFile reads every row group of an agg file, as its row objects say', async () => {
    const zstd = await loadZstd();
    const bytes = writeAggFile(rows(count), 'resource_service_name', zstd);
    const read = await parquetReadObjects({
      file: buffer(bytes),
      compressors: { ZSTD: (b, n) => zstd.decompress(b, n) },
    });
    const decoded = await decodeAggFile(bytes, 'agg.parquet', 'resource_service_name', zstd);
    expect(decoded.bucket).toHaveLength(count);
    for (const [i, r] of read.entries()) {
      expect(decoded.bucket[i]).toBe(Number(r.bucket_ts));
      expect(decoded.count[i]).toBe(Number(r.count));
      expect(decoded.levels[decoded.levelCode[i]!]).toBe(r.log_level ?? null);
      expect(decoded.streams[decoded.streamCode[i]!]).toBe(r.resource_service_name);
    }
    await expect(decodeAggFile(bytes.subarray(0, 100), 'agg.parquet', 'x', zstd)).rejects.toMatchObject({
      code: 'Corrupt',
    });
  });
});
