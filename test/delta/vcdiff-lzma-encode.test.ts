/**
 * Our LZMA secondary compression (`secondary: 'lzma'`, a DeltaSpace's default): the real xdelta3
 * decodes every delta we write, our decoder too, and a delta is never larger than without it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../src/delta/vcdiff/bytes.js';
import { readHeader, readWindow, type WindowParts } from '../../src/delta/vcdiff/decoder.js';
import { decodeDeltaAsync, encodeDelta } from '../../src/delta/vcdiff/index.js';
import { readInteger, writeInteger } from '../../src/delta/vcdiff/integer.js';
import { LzmaSecondary, LzmaSectionStream } from '../../src/delta/vcdiff/lzma-sections.js';
import { inflateSections } from '../../src/delta/vcdiff/secondary.js';
import { BucketkitError } from '../../src/errors.js';
import { concatBytes } from '../../src/storage/index.js';
import { applyEdits, randomBytes, textLike, versionPair } from './edits.js';
import { xdelta3Decode, xdelta3Encode } from './xdelta3.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** `source` with lines of new text put in at `count` places (what changes between two releases). */
function withTextInserts(source: Uint8Array, count: number, seed: number): Uint8Array {
  const pieces: Uint8Array[] = [];
  const step = Math.max(1, Math.floor(source.length / count));
  for (let i = 0; i < count; i++) {
    pieces.push(source.subarray(i * step, (i + 1) * step));
    pieces.push(textLike(200 + ((seed * 31 + i * 17) % 900), seed * 1000 + i));
  }
  pieces.push(source.subarray(count * step));
  return concatBytes(pieces);
}

/** Every window of a delta (sections as views into it). */
function windowsOf(delta: Uint8Array): WindowParts[] {
  const reader = new ByteReader(delta);
  const header = readHeader(reader);
  const windows: WindowParts[] = [];
  while (reader.remaining > 0) {
    windows.push(readWindow(reader, new Uint8Array(64 * MiB), undefined, Number.MAX_SAFE_INTEGER, header));
  }
  return windows;
}

const text = textLike(MiB, 1);
const cases: Array<{ name: string; source: Uint8Array; target: Uint8Array; windowSize?: number }> = [
  { name: 'text with 300 new passages', source: text, target: withTextInserts(text, 300, 2) },
  {
    name: 'text, 64 KiB windows (one stream across 17 windows)',
    source: text,
    target: withTextInserts(text, 300, 3),
    windowSize: 64 * KiB,
  },
  {
    name: 'random bytes with text inserted',
    source: randomBytes(MiB, 4),
    target: withTextInserts(randomBytes(MiB, 4), 50, 4),
  },
  { name: 'random edits of random bytes (nothing compresses)', ...versionPair(MiB, 5) },
  {
    name: 'incompressible windows first, then text (sections left plain leave no trace)',
    source: new Uint8Array(0),
    target: concatBytes([
      randomBytes(200 * KiB, 6),
      textLike(300 * KiB, 7),
      randomBytes(100 * KiB, 8),
      textLike(200 * KiB, 9),
    ]),
    windowSize: 64 * KiB,
  },
  { name: 'empty target', source: text, target: new Uint8Array(0) },
  { name: 'identical', source: text, target: text },
  { name: 'no reference: 1 MiB of text', source: new Uint8Array(0), target: textLike(MiB, 10) },
];

describe('xdelta3 decodes every LZMA delta we write', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const options = c.windowSize ? { windowSize: c.windowSize } : {};
      const plain = encodeDelta(c.source, c.target, options);
      const delta = encodeDelta(c.source, c.target, { ...options, secondary: 'lzma' });
      expect(Buffer.from(xdelta3Decode(c.source, delta)).equals(c.target)).toBe(true);
      expect(Buffer.from(await decodeDeltaAsync(c.source, delta)).equals(c.target)).toBe(true);
      const compressed = windowsOf(delta).filter((w) => w.compressed !== 0).length;
      if (compressed === 0) {
        // nothing got smaller: the very delta written without secondary compression
        expect(Buffer.from(delta).equals(plain)).toBe(true);
      } else {
        expect(delta[4]! & 0x01).toBe(0x01); // VCD_DECOMPRESS
        expect(delta[5]).toBe(2); // xdelta3's id for LZMA
        expect(delta.length).toBeLessThan(plain.length);
      }
    }, 120_000);
  }

  it('text deltas shrink by a tenth or more, and are no larger than xdelta3 -9 -S lzma', () => {
    const c = cases[0]!;
    const plain = encodeDelta(c.source, c.target);
    const delta = encodeDelta(c.source, c.target, { secondary: 'lzma' });
    const theirs = xdelta3Encode(c.source, c.target, ['-9', '-S', 'lzma']);
    expect(delta.length).toBeLessThan(plain.length * 0.9);
    expect(delta.length).toBeLessThanOrEqual(theirs.length);
  });

  it('one window of 3.5 MiB of ADD bytes, built by hand: LZMA2 chunks cut at 2 MiB and at 64 KiB packed', () => {
    // four bits of entropy a byte fill 64 KiB packed chunks; a repeated phrase fills 2 MiB ones
    const phrase = textLike(1000, 12);
    const target = concatBytes([
      randomBytes(MiB, 11).map((b) => 97 + (b & 15)),
      ...Array.from({ length: 2560 }, () => phrase),
    ]);
    const inst = new ByteWriter();
    inst.byte(1); // ADD, size follows
    writeInteger(inst, target.length);
    const packed = new LzmaSecondary().pack(target, inst.view(), new Uint8Array(0));
    expect(packed.indicator & 1).toBe(1);
    const body = new ByteWriter();
    writeInteger(body, target.length);
    body.byte(packed.indicator);
    for (const section of [packed.data, packed.inst, packed.addr]) writeInteger(body, section.length);
    for (const section of [packed.data, packed.inst, packed.addr]) body.bytes(section);
    const delta = new ByteWriter();
    delta.bytes(Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00, 0x01, 0x02, 0x00)); // VCD_DECOMPRESS, LZMA, plain window
    writeInteger(delta, body.length);
    delta.bytes(body.view());
    expect(packed.data.length).toBeLessThan(target.length * 0.6);
    expect(Buffer.from(xdelta3Decode(new Uint8Array(0), delta.view())).equals(target)).toBe(true);
  }, 120_000);

  it('a delta mixing compressed and plain sections in one window', () => {
    const c = cases[4]!;
    const delta = encodeDelta(c.source, c.target, { windowSize: c.windowSize!, secondary: 'lzma' });
    const indicators = new Set(windowsOf(delta).map((w) => w.compressed));
    expect(indicators.has(0) || [...indicators].some((i) => i !== 7)).toBe(true);
    expect([...indicators].some((i) => i !== 0)).toBe(true);
  });
});

describe('properties (pinned seed)', () => {
  const pair = fc
    .record({
      size: fc.integer({ min: 0, max: 20_000 }),
      seed: fc.integer({ min: 1, max: 1 << 20 }),
      asText: fc.boolean(),
      inserts: fc.integer({ min: 0, max: 40 }),
      windowSize: fc.constantFrom(1024, 4096, 1 << 20),
    })
    .map(({ size, seed, asText, inserts, windowSize }) => {
      const source = asText ? textLike(size, seed) : randomBytes(size, seed);
      const edited = applyEdits(source, [
        { kind: 'flip', at: seed },
        { kind: 'delete', at: seed * 3, length: seed % 500 },
      ]);
      return { source, target: inserts > 0 ? withTextInserts(edited, inserts, seed) : edited, windowSize };
    });

  it('decodeDeltaAsync gives back the target, and LZMA never makes a delta larger', async () => {
    await fc.assert(
      fc.asyncProperty(pair, async ({ source, target, windowSize }) => {
        const delta = encodeDelta(source, target, { windowSize, secondary: 'lzma' });
        expect(Buffer.from(await decodeDeltaAsync(source, delta)).equals(target)).toBe(true);
        expect(delta.length).toBeLessThanOrEqual(encodeDelta(source, target, { windowSize }).length);
      }),
      { numRuns: 80 },
    );
  });

  it('a section stream: the kept pieces inflate to the kept sections, whatever was dropped between', async () => {
    const section = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc
        .record({ size: fc.integer({ min: 0, max: 5000 }), seed: fc.nat() })
        .map(({ size, seed }) => textLike(size, seed)),
      fc
        .record({ byte: fc.nat(255), size: fc.integer({ min: 0, max: 5000 }) })
        .map(({ byte, size }) => new Uint8Array(size).fill(byte)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(section, { minLength: 1, maxLength: 12 }), async (sections) => {
        const stream = new LzmaSectionStream();
        const kept: Uint8Array[] = [];
        const pieces: Uint8Array[] = [];
        for (const s of sections) {
          const piece = stream.compress(s);
          if (piece === undefined) continue;
          expect(piece.length).toBeLessThan(s.length);
          kept.push(s);
          pieces.push(piece);
        }
        if (pieces.length === 0) return;
        const inflated = await inflateSections(
          pieces,
          kept.map((s) => s.length),
          'data section',
        );
        for (const [i, out] of inflated.entries()) expect(Buffer.from(out).equals(kept[i]!)).toBe(true);
        expect(readInteger(new ByteReader(pieces[0]!))).toBe(kept[0]!.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('fuzzed LZMA deltas (pinned seed): the target, or a typed error, never a crash or a hang', () => {
  const source = textLike(20_000, 20);
  const target = withTextInserts(source, 12, 21);
  const deltas = {
    ours: encodeDelta(source, target, { secondary: 'lzma', windowSize: 8192 }),
    xdelta3: xdelta3Encode(source, target, ['-9', '-S', 'lzma', '-W', '16384']),
  };
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;
  const mutate = (delta: Uint8Array, mutations: Mutation[]): Uint8Array =>
    mutations.reduce((d, m) => {
      const at = m.at % (d.length + 1);
      if (m.kind === 'cut') return d.subarray(0, at);
      if (m.kind === 'insert') return concatBytes([d.subarray(0, at), m.bytes, d.subarray(at)]);
      const out = d.slice();
      if (out.length > 0) out[at % out.length] = (out[at % out.length] as number) ^ m.mask;
      return out;
    }, delta);

  for (const [name, delta] of Object.entries(deltas)) {
    it(`${name}: mutated deltas decode to the target or fail as Corrupt/Unsupported`, async () => {
      expect(Buffer.from(await decodeDeltaAsync(source, delta)).equals(target)).toBe(true);
      expect(windowsOf(delta).filter((w) => w.compressed !== 0).length).toBeGreaterThan(1);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const bad = mutate(delta, mutations);
          try {
            const out = await decodeDeltaAsync(source, bad, { maxTargetSize: 4 * target.length });
            // a cut between two windows is a shorter valid delta; anything else that decodes must be right
            expect(Buffer.from(out).equals(target.subarray(0, out.length))).toBe(true);
          } catch (err) {
            if (!BucketkitError.is(err, 'Corrupt') && !BucketkitError.is(err, 'Unsupported')) throw err;
          }
        }),
        { numRuns: 300 },
      );
    }, 120_000);
  }
});
