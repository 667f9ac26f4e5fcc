import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError, type FileStoragePort, fileStorage } from '../../src/index.js';
import {
  BlockSummer,
  blockHasher,
  checkGroups,
  groupSpan,
  LEAF,
  MAX_SUMS,
} from '../../src/storage/file/block-sums.js';

/**
 * The file port's block checksums (block-sums.ts): written in chunks of any size, folded into larger
 * groups as objects grow, and every range of every object reads back exactly through the port.
 */
const hash = await blockHasher();

/** Sums `bytes` cut at `cuts` (offsets, any order) with leaves of `leaf` bytes and room for `max`. */
function sumsOf(bytes: Uint8Array, cuts: number[], leaf: number, max: number) {
  const summer = new BlockSummer(hash, leaf, max);
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    summer.update(bytes.subarray(at, cut));
    at = cut;
  }
  summer.update(bytes.subarray(at));
  return summer.finish();
}

const isCorrupt = (run: () => void): boolean => {
  try {
    run();
    return false;
  } catch (err) {
    if (!BucketkitError.is(err, 'Corrupt')) throw err;
    return true;
  }
};

describe('block checksums: folding and checking (tiny leaves, so that groups fold many times)', () => {
  it('any cut of the writes gives the same checksums; whole groups pass, a flip in the span fails', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(1, 16, 64),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (bytes, rawCuts, leaf, max, a, b, flipAt) => {
          const size = bytes.byteLength;
          const sums = sumsOf(
            bytes,
            rawCuts.map((c) => c % size),
            leaf,
            max,
          );
          expect(sumsOf(bytes, [], leaf, max)).toEqual(sums);
          // the smallest group (leaf × 2^k) that fits the room
          const count = Math.ceil(size / sums.group);
          expect(count).toBeLessThanOrEqual(max);
          if (sums.group > leaf) expect(Math.ceil(size / (sums.group / 2))).toBeGreaterThan(max);
          expect(Buffer.from(sums.xxh64, 'base64').byteLength).toBe(count * 4);
          const start = Math.min(a, b) % size;
          const length = 1 + (Math.max(a, b) % (size - start));
          const span = groupSpan(sums, size, start, length);
          expect(span.start).toBeLessThanOrEqual(start);
          expect(span.start + span.length).toBeGreaterThanOrEqual(start + length);
          const read = bytes.slice(span.start, span.start + span.length);
          expect(isCorrupt(() => checkGroups(hash, read, span.start, sums, 'k'))).toBe(false);
          read[flipAt % read.byteLength]! ^= 0x20;
          expect(isCorrupt(() => checkGroups(hash, read, span.start, sums, 'k'))).toBe(true);
        },
      ),
      { seed: 20_261_206, numRuns: 400 },
    );
  });

  it('a record holds at most 1024 checksums: 1 MiB, 100 MiB and 1 GiB objects', () => {
    const mib = new Uint8Array(1024 * 1024).map((_, i) => i * 31);
    const recordBytes = (mibs: number) => {
      const summer = new BlockSummer(hash);
      for (let i = 0; i < mibs; i++) summer.update(mib);
      const sums = summer.finish();
      return { group: sums.group, base64: sums.xxh64.length };
    };
    expect(recordBytes(1)).toEqual({ group: LEAF, base64: Math.ceil((64 * 4) / 3) * 4 });
    expect(recordBytes(100)).toEqual({ group: 128 * 1024, base64: Math.ceil((800 * 4) / 3) * 4 });
    expect(recordBytes(1024)).toEqual({ group: 1024 * 1024, base64: Math.ceil((MAX_SUMS * 4) / 3) * 4 });
  }, 60_000);
});

describe('file port: random ranges of random objects read back exactly', () => {
  let dir: string;
  let port: FileStoragePort;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-block-sums-'));
    port = fileStorage(dir, { durable: false });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('through bytes() and the stream, objects put whole or in chunks', async () => {
    const source = new Uint8Array(1_400_000);
    for (let i = 0, x = 1; i < source.byteLength; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      source[i] = x >>> 24;
    }
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 16 * 1024 + 1, max: 1_200_000 }),
        fc.integer({ min: 999, max: 200_000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        async (size, chunk, ranges) => {
          const key = `o${n++}`;
          const body = source.subarray(n * 7, n * 7 + size);
          await port.put(
            key,
            (async function* () {
              for (let at = 0; at < size; at += chunk) yield body.subarray(at, at + chunk);
            })(),
          );
          for (const [a, b] of ranges) {
            const start = Math.min(a, b) % size;
            const end = start + (Math.max(a, b) % (size - start));
            const got = await (await port.get(key, { range: { start, end } })).bytes();
            expect(Buffer.from(got).equals(body.subarray(start, end + 1))).toBe(true);
            const streamed = await new Response(
              (await port.get(key, { range: { start, end } })).body,
            ).bytes();
            expect(Buffer.from(streamed).equals(body.subarray(start, end + 1))).toBe(true);
          }
          expect(Buffer.from(await (await port.get(key)).bytes()).equals(body)).toBe(true);
          await port.delete(key);
        },
      ),
      { seed: 20_261_207, numRuns: 40 },
    );
  }, 120_000);
});
