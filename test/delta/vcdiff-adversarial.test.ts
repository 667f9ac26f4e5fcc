import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/delta/vcdiff/bytes.js';
import { decodeVcdiff } from '../../src/delta/vcdiff/decoder.js';
import { decodeDelta, encodeDelta } from '../../src/delta/vcdiff/index.js';
import { writeInteger } from '../../src/delta/vcdiff/integer.js';
import { BucketkitError } from '../../src/errors.js';
import { randomBytes, versionPair } from './edits.js';

const MAGIC = [0xd6, 0xc3, 0xc4, 0x00];

interface RawWindow {
  indicator: number;
  segment?: [length: number, position: number];
  targetLength: number;
  deltaIndicator?: number;
  data: number[];
  inst: number[];
  addr: number[];
}

/** Builds a delta by hand (no checksum), so each test states exactly the bytes it feeds the decoder. */
function build(windows: RawWindow[], header: number[] = [0]): Uint8Array {
  const out = new ByteWriter();
  out.bytes(Uint8Array.from([...MAGIC, ...header]));
  for (const w of windows) {
    const body = new ByteWriter();
    writeInteger(body, w.targetLength);
    body.byte(w.deltaIndicator ?? 0);
    writeInteger(body, w.data.length);
    writeInteger(body, w.inst.length);
    writeInteger(body, w.addr.length);
    body.bytes(Uint8Array.from([...w.data, ...w.inst, ...w.addr]));
    out.byte(w.indicator);
    if (w.segment) {
      writeInteger(out, w.segment[0]);
      writeInteger(out, w.segment[1]);
    }
    writeInteger(out, body.length);
    out.bytes(body.view());
  }
  return out.view().slice();
}

function errorOf(work: () => unknown): unknown {
  try {
    work();
  } catch (err) {
    return err;
  }
  return undefined;
}

function expectCode(work: () => unknown, code: 'Corrupt' | 'Unsupported'): void {
  const err = errorOf(work);
  if (!BucketkitError.is(err, code)) throw new Error(`expected ${code}, got ${String(err)}`);
}

const source = new TextEncoder().encode('0123456789abcdef');
// opcode 19 = COPY size 0 mode 0 (size follows), 3 = ADD 2, 0 = RUN size 0.
const copy = (size: number, address: number): Pick<RawWindow, 'inst' | 'addr'> => ({
  inst: [19, size],
  addr: [address],
});

describe('VCDIFF decoder on hand-written deltas', () => {
  it('decodes COPY from the source, ADD, RUN and an overlapping COPY from the target', () => {
    const delta = build([
      {
        indicator: 1,
        segment: [16, 0],
        targetLength: 4 + 2 + 5 + 6,
        data: [0x41, 0x42, 0x7a],
        // COPY 4 @0 (mode 0), ADD 2, RUN 5, COPY 6 @ here-2 (mode 1: overlapping repeat of "zz")
        inst: [19, 4, 3, 0, 5, 19 + 16, 6],
        addr: [0, 2],
      },
    ]);
    expect(new TextDecoder().decode(decodeDelta(source, delta))).toBe('0123ABzzzzzzzzzzz');
  });

  it('decodes VCD_TARGET windows that copy from earlier output', () => {
    const delta = build([
      { indicator: 0, targetLength: 3, data: [0x61, 0x62, 0x63], inst: [4], addr: [] },
      { indicator: 2, segment: [3, 0], targetLength: 6, data: [], ...copy(6, 0) },
    ]);
    expect(new TextDecoder().decode(decodeDelta(source, delta))).toBe('abcabcabc');
  });

  it('an empty delta body (header only) is an empty target', () => {
    expect(decodeDelta(source, Uint8Array.from([...MAGIC, 0])).length).toBe(0);
  });

  const bad: [string, Uint8Array][] = [
    ['bad magic', Uint8Array.of(0xd6, 0xc3, 0xc4, 0x01, 0)],
    ['unknown header bits', Uint8Array.of(...MAGIC, 0x08)],
    [
      'window past the end of the source',
      build([{ indicator: 1, segment: [10, 10], targetLength: 1, data: [], ...copy(1, 0) }]),
    ],
    [
      'HERE address before the start',
      build([{ indicator: 1, segment: [4, 0], targetLength: 4, data: [], inst: [35, 4], addr: [9] }]),
    ],
    [
      'COPY address beyond here',
      build([{ indicator: 1, segment: [4, 0], targetLength: 4, data: [], ...copy(4, 9) }]),
    ],
    [
      'ADD past the target window',
      build([{ indicator: 0, targetLength: 1, data: [1, 2], inst: [4], addr: [] }]),
    ],
    ['ADD past the data section', build([{ indicator: 0, targetLength: 2, data: [1], inst: [4], addr: [] }])],
    ['too few instructions', build([{ indicator: 0, targetLength: 9, data: [1, 2], inst: [4], addr: [] }])],
    ['leftover data', build([{ indicator: 0, targetLength: 2, data: [1, 2, 3], inst: [4], addr: [] }])],
    [
      'both VCD_SOURCE and VCD_TARGET',
      build([{ indicator: 3, segment: [1, 0], targetLength: 0, data: [], inst: [], addr: [] }]),
    ],
    [
      'a 1 GiB window',
      build([
        { indicator: 0, targetLength: 1 << 30, data: [7], inst: [0, 0x84, 0x80, 0x80, 0x80, 0], addr: [] },
      ]),
    ],
    ['an integer longer than 2^53', Uint8Array.of(...MAGIC, 0, 0, ...Array(12).fill(0xff), 0)],
    [
      'truncated window',
      build([{ indicator: 0, targetLength: 2, data: [1, 2], inst: [4], addr: [] }]).subarray(0, 9),
    ],
  ];
  for (const [name, delta] of bad) {
    it(`rejects ${name} as Corrupt`, () => expectCode(() => decodeDelta(source, delta), 'Corrupt'));
  }

  it('rejects a custom code table and secondary compression as Unsupported', () => {
    expectCode(() => decodeDelta(source, Uint8Array.of(...MAGIC, 0x02, 3, 0, 0, 0)), 'Unsupported');
    const lzma = build(
      [{ indicator: 0, targetLength: 1, deltaIndicator: 1, data: [1], inst: [2], addr: [] }],
      [1, 2],
    );
    expectCode(() => decodeDelta(source, lzma), 'Unsupported');
  });

  it('stays fast and bounded on tiny deltas that expand (64 MiB RUNs, then many VCD_TARGET windows)', () => {
    const run = (): RawWindow => ({
      indicator: 0,
      targetLength: 64 << 20,
      data: [7],
      inst: [0, 0xa0, 0x80, 0x80, 0],
      addr: [],
    });
    const empty: RawWindow = {
      indicator: 2,
      segment: [1 << 20, 1 << 20],
      targetLength: 0,
      data: [],
      inst: [],
      addr: [],
    };
    // CPU time, not wall time: a quadratic decoder would take minutes of it; a loaded machine adds none
    const started = process.cpuUsage();
    const out = decodeDelta(source, build([run(), ...Array<RawWindow>(20_000).fill(empty)]));
    expect(out.length).toBe(64 << 20);
    expectCode(
      () => decodeVcdiff(source, build([run(), run(), run()]), { maxTargetSize: 100 << 20 }),
      'Corrupt',
    );
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5000);
  });

  it('caps the total target with maxTargetSize', () => {
    const delta = encodeDelta(source, randomBytes(5000, 1), { windowSize: 1024 });
    expectCode(() => decodeVcdiff(source, delta, { maxTargetSize: 2048 }), 'Corrupt');
    expect(decodeVcdiff(source, delta, { maxTargetSize: 5000 }).target.length).toBe(5000);
  });
});

describe('VCDIFF decoder on adversarial input', () => {
  const pair = versionPair(40_000, 7);
  const valid = encodeDelta(pair.source, pair.target, { windowSize: 8192 });

  /** Decoding either yields the target (a harmless change) or throws a typed error, quickly. */
  function check(delta: Uint8Array): void {
    // CPU time, not wall time: a quadratic decoder would take minutes of it; a loaded machine adds none
    const started = process.cpuUsage();
    try {
      const out = decodeDelta(pair.source, delta);
      expect(out.length).toBeLessThanOrEqual(64 * 1024 * 1024 * delta.length);
    } catch (err) {
      if (!BucketkitError.is(err, 'Corrupt', 'Unsupported')) throw err;
    }
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  }

  it('random bytes, with or without the magic', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (magic, bytes) => {
        check(magic ? Uint8Array.from([...MAGIC, ...bytes]) : bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('every truncation of a valid delta is Corrupt, or (cut between windows) a prefix of the target', () => {
    // Windows are self-delimiting in VCDIFF, so a cut between two is a shorter valid delta; callers
    // catch that with the target's length or SHA-256, as DeltaGlider does.
    let prefixes = 0;
    for (let n = 0; n < valid.length; n++) {
      const err = errorOf(() => {
        const out = decodeDelta(pair.source, valid.subarray(0, n));
        expect(out.length).toBeLessThan(pair.target.length);
        expect(Buffer.from(out).equals(pair.target.subarray(0, out.length))).toBe(true);
        prefixes++;
      });
      if (err !== undefined && !BucketkitError.is(err, 'Corrupt')) throw err;
    }
    expect(prefixes).toBeLessThanOrEqual(Math.ceil(pair.target.length / 8192));
  });

  it('bit flips of a valid delta yield the target or a typed error (the Adler-32 catches data flips)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
        (flips) => {
          const delta = valid.slice();
          for (const [at, bit] of flips)
            delta[at % delta.length] = (delta[at % delta.length] as number) ^ (1 << bit);
          try {
            const out = decodeDelta(pair.source, delta);
            expect(Buffer.from(out).equals(pair.target)).toBe(true);
          } catch (err) {
            if (!BucketkitError.is(err, 'Corrupt', 'Unsupported')) throw err;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
