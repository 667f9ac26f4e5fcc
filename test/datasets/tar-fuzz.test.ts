/**
 * The reader faces untrusted bytes: whatever they are, it returns entries that lie inside the input
 * and index cleanly, or throws `Corrupt` (`Unsupported` for sparse files only), quickly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildIndex,
  decodeIndex,
  readTar,
  readTarStream,
  type TarEntry,
  type TarReadOptions,
  tarBytes,
} from '../../src/datasets/index.js';
import { headerChecksums } from '../../src/datasets/tar-format.js';
import { BucketkitError } from '../../src/errors.js';
import { concat, content, END, paxData, rawHeader } from './tar-helpers.js';

type Outcome = { entries: TarEntry[] } | { code: string };

function outcome(bytes: Uint8Array, options: TarReadOptions): Outcome {
  // CPU time, not wall time: other processes on a shared 2-core machine must not fail the bound.
  const started = process.cpuUsage();
  try {
    const entries = readTar(bytes, options);
    for (const [i, e] of entries.entries()) {
      expect(e.contentOffset).toBe(e.headerOffset + e.headerBlocks * 512);
      expect(e.contentOffset + e.size).toBeLessThanOrEqual(bytes.length);
      expect(e.headerBlocks).toBeGreaterThanOrEqual(1);
      if (i > 0) expect(e.headerOffset).toBeGreaterThan(entries[i - 1]!.headerOffset);
    }
    const files = entries.filter((e) => e.type === 'file');
    expect(decodeIndex(buildIndex(files))).toHaveLength(files.length);
    return { entries };
  } catch (err) {
    return refusal(err);
  } finally {
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(500);
  }
}

async function streamOutcome(bytes: Uint8Array, options: TarReadOptions, sizes: number[]): Promise<Outcome> {
  async function* chunks() {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = sizes[i++ % sizes.length]!;
      yield bytes.subarray(at, at + n);
      at += n;
    }
  }
  const entries: TarEntry[] = [];
  try {
    for await (const e of readTarStream(chunks(), options)) entries.push(e);
    return { entries };
  } catch (err) {
    return refusal(err);
  }
}

/** The typed refusals a reader may give for bad bytes; anything else fails the test. */
function refusal(err: unknown): Outcome {
  // bytes can start with gzip's, zstd's or xz's magic: that is named, not called a broken TAR
  if (BucketkitError.is(err, 'InvalidArgument') && typeof err.details.compression === 'string') {
    return { code: 'Compressed' };
  }
  if (!BucketkitError.is(err, 'Corrupt', 'Unsupported')) throw err;
  if (err.code === 'Unsupported') expect(err.message).toMatch(/sparse/);
  else expect(typeof err.details.offset).toBe('number');
  return { code: err.code };
}

/** Archives using every header kind the reader knows. */
function corpus(): { bytes: Uint8Array; headers: number[] }[] {
  const longName = new TextEncoder().encode(`${'L'.repeat(600)}\0`);
  const x = paxData({ path: 'pax/path.bin', size: '700' });
  const g = paxData({ comment: 'global' });
  const parts = [
    rawHeader({ name: 'GlobalHead', typeflag: 'g', size: g.length }),
    content(g),
    rawHeader({ name: '././@LongLink', typeflag: 'L', size: longName.length, magic: 'gnu' }),
    content(longName),
    rawHeader({ name: 'short', size: 3, magic: 'gnu' }),
    content('abc'),
    rawHeader({ name: 'PaxHeaders/x', typeflag: 'x', size: x.length }),
    content(x),
    rawHeader({ name: 'ignored', size: 0 }),
    content(new Uint8Array(700).fill(7)),
    rawHeader({ name: 'dir/', typeflag: '5' }),
    rawHeader({ name: 'f', prefix: 'pre', size: 1 }),
    content('z'),
    END,
  ];
  const mixed = concat(...parts);
  const written = tarBytes([
    { name: 'a'.repeat(150), body: new Uint8Array(1000).fill(1) },
    { name: 'b', body: new Uint8Array(0) },
    { name: 'c', body: new Uint8Array(513).fill(3) },
  ]);
  return [mixed, written].map((bytes) => ({
    bytes,
    headers: readTar(bytes, { all: true }).flatMap((e) =>
      Array.from({ length: e.headerBlocks }, (_, i) => e.headerOffset + i * 512),
    ),
  }));
}

const CORPUS = corpus();

/** Recomputes the checksums of the blocks that were headers, so mutations reach past the checksum check. */
function fixChecksums(bytes: Uint8Array, headers: number[]): void {
  for (const at of headers) {
    const block = bytes.subarray(at, at + 512);
    if (block.length < 512) continue;
    const sum = headerChecksums(block).unsigned;
    block.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  }
}

const mutationArb = fc.record({
  archive: fc.integer({ min: 0, max: CORPUS.length - 1 }),
  edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
    minLength: 1,
    maxLength: 6,
  }),
  headerBias: fc.boolean(),
  fix: fc.boolean(),
  cut: fc.option(fc.nat(), { nil: undefined }),
  strict: fc.boolean(),
});

describe('fuzzing the reader', () => {
  it('mutated archives give valid entries or Corrupt', () => {
    const seen = { entries: 0, Corrupt: 0, Unsupported: 0 };
    fc.assert(
      fc.property(mutationArb, ({ archive, edits, headerBias, fix, cut, strict }) => {
        const { bytes: original, headers } = CORPUS[archive]!;
        const bytes = original.slice();
        for (const { at, value } of edits) {
          // Aim most edits at header blocks, where the parsing decisions are.
          const pos = headerBias ? headers[at % headers.length]! + (at % 512) : at % bytes.length;
          bytes[pos] = value;
        }
        if (fix) fixChecksums(bytes, headers);
        const input = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        const result = outcome(input, { strict });
        seen['code' in result ? (result.code as 'Corrupt') : 'entries'] += 1;
        outcome(input, { strict, all: true });
      }),
      { numRuns: 3000 },
    );
    // Both outcomes are common, so the mutations reach past the first checks.
    expect(seen.entries).toBeGreaterThan(100);
    expect(seen.Corrupt).toBeGreaterThan(100);
  });

  it('every truncation of a valid archive is Corrupt when strict, unless it keeps the end marker', () => {
    for (const { bytes } of CORPUS) {
      const lastEnd = bytes.length - 1024;
      for (let n = 0; n <= bytes.length; n++) {
        const strict = outcome(bytes.subarray(0, n), {});
        if (n < lastEnd + 1024) expect(strict).toEqual({ code: 'Corrupt' });
        else expect('entries' in strict).toBe(true);
        const lenient = outcome(bytes.subarray(0, n), { strict: false });
        if (n % 512 !== 0) expect(lenient).toEqual({ code: 'Corrupt' });
      }
    }
  });

  it('random bytes give entries or Corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (bytes, strict) => {
        outcome(bytes, { strict });
      }),
      { numRuns: 1000, examples: [[Uint8Array.from([0x1f, 0x8b]), false]] },
    );
  });

  it('the stream reader agrees with the bytes reader on mutated input, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutationArb,
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 5 }),
        async ({ archive, edits, fix, cut, strict }, sizes) => {
          const { bytes: original, headers } = CORPUS[archive]!;
          const bytes = original.slice();
          for (const { at, value } of edits) bytes[headers[at % headers.length]! + (at % 512)] = value;
          if (fix) fixChecksums(bytes, headers);
          const input = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          const whole = outcome(input, { strict });
          const streamed = await streamOutcome(input, { strict }, sizes);
          expect(streamed).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('huge claimed sizes are rejected without allocating them', () => {
    const claims = [8 ** 11 - 1, 2 ** 40];
    for (const size of claims) {
      const field = new Uint8Array(12);
      field[0] = 0x80;
      new DataView(field.buffer).setBigUint64(4, BigInt(size));
      for (const typeflag of ['0', 'x', 'L', 'g']) {
        const bytes = concat(rawHeader({ typeflag, sizeField: field }), END);
        expect(outcome(bytes, { strict: false })).toEqual({ code: 'Corrupt' });
      }
    }
  });

  it('a chain of extension headers is bounded', () => {
    const empty = rawHeader({ typeflag: 'x', size: 0 });
    const chain = concat(...Array.from({ length: 0x10000 }, () => empty), rawHeader({}), END);
    const result = outcome(chain, {});
    expect(result).toEqual({ code: 'Corrupt' });
  });
});
