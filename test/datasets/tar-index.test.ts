import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildIndex,
  decodeIndex,
  encodeIndex,
  entriesRange,
  formatDatapointName,
  type IndexEntry,
  MAX_INDEXED_SIZE,
  readTar,
  type TarEntry,
  tarBytes,
  validateDatarange,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Entries laid out as an archive would lay them: each after the previous one's padded end. */
const indexArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 0, max: 4 }),
      headerBlocks: fc.integer({ min: 1, max: 0xffff }),
      size: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: MAX_INDEXED_SIZE })),
    }),
    { maxLength: 30 },
  )
  .map((specs) => {
    let at = 0;
    return specs.map(({ gap, headerBlocks, size }): IndexEntry => {
      const headerOffset = at + gap * 512;
      at = headerOffset + headerBlocks * 512 + Math.ceil(size / 512) * 512;
      return { headerOffset, headerBlocks, size };
    });
  })
  .filter((entries) =>
    entries.every((e) => Number.isSafeInteger(e.headerOffset + e.headerBlocks * 512 + e.size)),
  );

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(BucketkitError.is(err), String(err)).toBe(true);
    return (err as BucketkitError).code;
  }
  return undefined;
}

describe('index encoding', () => {
  it("matches datas3t's pinned bytes, and a 48-bit size", () => {
    expect(hex(encodeIndex([{ headerOffset: 1024, headerBlocks: 1, size: 2048 }]))).toBe(
      '0000000000000400' + '0001' + '000000000800',
    );
    const max = encodeIndex([{ headerOffset: 0, headerBlocks: 1, size: MAX_INDEXED_SIZE }]);
    expect(hex(max)).toBe('0000000000000000' + '0001' + 'ffffffffffff');
    expect(decodeIndex(max)[0]!.size).toBe(MAX_INDEXED_SIZE);
  });

  it('decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(indexArb, (entries) => {
        const bytes = encodeIndex(entries);
        expect(bytes.length).toBe(entries.length * 16);
        expect(decodeIndex(bytes)).toEqual(entries);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a view into a larger buffer', () => {
    const bytes = encodeIndex([{ headerOffset: 512, headerBlocks: 2, size: 3 }]);
    const big = new Uint8Array(40);
    big.set(bytes, 8);
    expect(decodeIndex(big.subarray(8, 24))).toEqual([{ headerOffset: 512, headerBlocks: 2, size: 3 }]);
  });

  it('encode rejects values the format cannot hold', () => {
    for (const bad of [
      { headerOffset: -1, headerBlocks: 1, size: 0 },
      { headerOffset: 0.5, headerBlocks: 1, size: 0 },
      { headerOffset: 0, headerBlocks: 0, size: 0 },
      { headerOffset: 0, headerBlocks: 0x10000, size: 0 },
      { headerOffset: 0, headerBlocks: 1, size: MAX_INDEXED_SIZE + 1 },
      { headerOffset: 0, headerBlocks: 1, size: -1 },
    ]) {
      expect(code(() => encodeIndex([bad]))).toBe('InvalidArgument');
    }
  });

  it('decode rejects impossible indexes as Corrupt, naming the entry', () => {
    expect(code(() => decodeIndex(new Uint8Array(17)))).toBe('Corrupt');
    const e = (headerOffset: number, headerBlocks: number, size: number) => ({
      headerOffset,
      headerBlocks,
      size,
    });
    const cases: [IndexEntry[], number][] = [
      [[e(0, 1, 0), e(0, 1, 0)], 1], // not increasing
      [[e(0, 1, 600), e(1024, 1, 0)], 1], // overlaps the previous padded content
      [[e(100, 1, 0)], 0], // not block-aligned
    ];
    for (const [entries, at] of cases) {
      const bytes = new Uint8Array(entries.length * 16);
      const view = new DataView(bytes.buffer);
      entries.forEach((x, i) => {
        view.setBigUint64(i * 16, BigInt(x.headerOffset));
        view.setUint16(i * 16 + 8, x.headerBlocks);
        view.setUint32(i * 16 + 12, x.size);
      });
      try {
        decodeIndex(bytes);
        throw new Error('expected Corrupt');
      } catch (err) {
        expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
        expect((err as BucketkitError).details.entry).toBe(at);
      }
    }
    const zeroBlocks = new Uint8Array(16);
    expect(code(() => decodeIndex(zeroBlocks))).toBe('Corrupt');
    const huge = new Uint8Array(16).fill(0xff);
    expect(code(() => decodeIndex(huge))).toBe('Corrupt');
    expect(decodeIndex(new Uint8Array())).toEqual([]);
  });
});

describe('buildIndex and entriesRange', () => {
  it('index an archive and locate padded entry ranges', () => {
    const bytes = tarBytes([
      { name: formatDatapointName(1, 'txt'), body: new Uint8Array(10) },
      { name: formatDatapointName(2, 'txt'), body: new Uint8Array(512) },
      { name: `${formatDatapointName(3, 'txt')}${'x'.repeat(100)}`, body: new Uint8Array(1) },
    ]);
    const index = decodeIndex(buildIndex(readTar(bytes)));
    expect(index).toEqual([
      { headerOffset: 0, headerBlocks: 1, size: 10 },
      { headerOffset: 1024, headerBlocks: 1, size: 512 },
      { headerOffset: 2048, headerBlocks: 3, size: 1 },
    ]);
    expect(entriesRange(index, 0, 0)).toEqual({ start: 0, end: 1023 });
    expect(entriesRange(index, 1, 2)).toEqual({ start: 1024, end: 2048 + 3 * 512 + 511 });
    expect(entriesRange(index, 0, 2).end + 1 + 1024).toBe(bytes.length);
    expect(code(() => entriesRange(index, 2, 3))).toBe('InvalidRange');
    expect(code(() => entriesRange(index, 2, 1))).toBe('InvalidRange');
  });

  it('refuses non-file entries', () => {
    const dir: TarEntry = {
      name: 'd/',
      size: 0,
      headerOffset: 0,
      headerBlocks: 1,
      contentOffset: 512,
      type: 'directory',
    };
    expect(code(() => buildIndex([dir]))).toBe('InvalidArgument');
  });
});

describe('validateDatarange', () => {
  const file = (name: string) => ({ name, type: 'file' as const });
  const points = (first: number, n: number, ext = 'json') =>
    Array.from({ length: n }, (_, i) => file(formatDatapointName(first + i, ext)));

  function wrongEntry(entries: { name: string; type: TarEntry['type'] }[], first: bigint, last: bigint) {
    try {
      validateDatarange(entries, { first, last });
    } catch (err) {
      expect(BucketkitError.is(err, 'InvalidArgument'), String(err)).toBe(true);
      return (err as BucketkitError).details.entry;
    }
    return undefined;
  }

  it('accepts exactly first..last in order, with any extensions', () => {
    expect(wrongEntry(points(5, 4), 5n, 8n)).toBeUndefined();
    expect(wrongEntry([file('00000000000000000000.tar.gz')], 0n, 0n)).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 50 }), (first, n) => {
        expect(wrongEntry(points(first, n), BigInt(first), BigInt(first + n - 1))).toBeUndefined();
      }),
    );
  });

  it('names the first wrong entry', () => {
    const gap = points(1, 5);
    gap[3] = file(formatDatapointName(9, 'json'));
    expect(wrongEntry(gap, 1n, 5n)).toBe(3);
    const swapped = points(1, 3);
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(wrongEntry(swapped, 1n, 3n)).toBe(0);
    expect(wrongEntry([...points(1, 2), file('notes.txt')], 1n, 3n)).toBe(2);
    expect(wrongEntry([...points(1, 2), { name: 'x/', type: 'directory' }], 1n, 3n)).toBe(2);
    expect(wrongEntry(points(1, 4), 1n, 3n)).toBe(3); // one too many
    expect(wrongEntry(points(1, 2), 1n, 3n)).toBe(2); // one missing
    expect(wrongEntry(points(2, 3), 1n, 3n)).toBe(0); // starts late
    expect(wrongEntry([], 1n, 1n)).toBe(0);
    expect(() => validateDatarange(points(1, 1), { first: 2n, last: 1n })).toThrow(/InvalidArgument/);
  });
});
