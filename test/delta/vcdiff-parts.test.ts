import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressCache } from '../../src/delta/vcdiff/address-cache.js';
import { adler32 } from '../../src/delta/vcdiff/adler32.js';
import { ByteReader, ByteWriter } from '../../src/delta/vcdiff/bytes.js';
import { ADD, COPY, DEFAULT_CODE_TABLE, DEFAULT_OPCODES, RUN } from '../../src/delta/vcdiff/code-table.js';
import { integerSize, readInteger, writeInteger } from '../../src/delta/vcdiff/integer.js';

describe('VCDIFF integers', () => {
  it('match RFC 3284 §2 (123456789 = 3A B7 9A 15... as base-128 digits)', () => {
    const out = new ByteWriter();
    writeInteger(out, 123456789);
    expect([...out.view()]).toEqual([0xba, 0xef, 0x9a, 0x15]);
  });

  it('round-trip every safe integer and report their size', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const out = new ByteWriter();
        writeInteger(out, n);
        expect(out.length).toBe(integerSize(n));
        expect(readInteger(new ByteReader(out.view()))).toBe(n);
      }),
    );
  });
});

describe('Adler-32', () => {
  it('matches the known values', () => {
    expect(adler32(new Uint8Array(0))).toBe(1);
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(100_000).fill(0xff))).toBe(0x149a302c);
  });
});

describe('default code table', () => {
  it('has the RFC 3284 §5.6 layout', () => {
    const t = DEFAULT_CODE_TABLE;
    expect([t.inst1[0], t.size1[0]]).toEqual([RUN, 0]);
    expect([t.inst1[1], t.size1[1], t.inst1[18], t.size1[18]]).toEqual([ADD, 0, ADD, 17]);
    expect([t.inst1[19], t.size1[19], t.inst1[20], t.size1[20], t.mode1[35], t.size1[162]]).toEqual([
      COPY,
      0,
      COPY,
      4,
      1,
      18,
    ]);
    expect([t.inst1[163], t.size1[163], t.inst2[163], t.size2[163], t.mode2[163]]).toEqual([
      ADD,
      1,
      COPY,
      4,
      0,
    ]);
    expect([t.size1[234], t.size2[234], t.mode2[234]]).toEqual([4, 6, 5]);
    expect([t.size1[246], t.size2[246], t.mode2[246]]).toEqual([4, 4, 8]);
    expect([t.inst1[255], t.size1[255], t.mode1[255], t.inst2[255], t.size2[255]]).toEqual([
      COPY,
      4,
      8,
      ADD,
      1,
    ]);
    expect(DEFAULT_OPCODES.single(ADD, 17, 0)).toBe(18);
    expect(DEFAULT_OPCODES.single(COPY, 19, 0)).toBe(-1);
    expect(DEFAULT_OPCODES.addCopy(4, 6, 5)).toBe(234);
    expect(DEFAULT_OPCODES.copyAdd(4, 0, 1)).toBe(247);
  });
});

describe('address caches', () => {
  it('decode exactly what they encoded, for any address sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(100_000), fc.nat(100_000)), { maxLength: 200 }), (pairs) => {
        const encoder = new AddressCache();
        const decoder = new AddressCache();
        const modes = new ByteWriter();
        const addresses = new ByteWriter();
        const expected: [number, number][] = [];
        for (const [a, b] of pairs) {
          const here = Math.max(a, b) + 1;
          const address = Math.min(a, b);
          const e = encoder.encode(address, here);
          modes.byte(e.mode);
          if (e.isByte) addresses.byte(e.value);
          else writeInteger(addresses, e.value);
          expected.push([address, here]);
        }
        const reader = new ByteReader(addresses.view());
        expected.forEach(([address, here], i) => {
          expect(decoder.decode(modes.view()[i] as number, here, reader)).toBe(address);
        });
        expect(reader.remaining).toBe(0);
      }),
    );
  });
});
