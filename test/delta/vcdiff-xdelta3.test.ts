import { describe, expect, it } from 'vitest';
import { decodeVcdiff } from '../../src/delta/vcdiff/decoder.js';
import {
  decodeDelta,
  decodeDeltaStream,
  encodeDelta,
  encodeDeltaStream,
} from '../../src/delta/vcdiff/index.js';
import { BucketkitError } from '../../src/errors.js';
import { applyEdits, randomBytes, versionPair } from './edits.js';
import { requireXdelta3, xdelta3Decode, xdelta3Encode } from './xdelta3.js';

const MiB = 1024 * 1024;

const cases = [
  { name: 'empty target', ...{ source: randomBytes(1000, 1), target: new Uint8Array(0) } },
  { name: 'empty source', source: new Uint8Array(0), target: randomBytes(5000, 2) },
  { name: 'identical (self-delta)', source: randomBytes(200_000, 3), target: randomBytes(200_000, 3) },
  { name: 'small edits, 300 KiB', ...versionPair(300 * 1024, 4) },
  { name: 'mixed edits, 3 MiB', ...versionPair(3 * MiB, 5) },
  { name: 'mixed edits of text, 1 MiB', ...versionPair(MiB, 6, true) },
  {
    name: 'runs and repeats',
    source: randomBytes(64 * 1024, 6),
    target: applyEdits(new Uint8Array(100_000).fill(7), [
      { kind: 'insert', at: 5000, length: 20_000, seed: 9 },
      { kind: 'repeat', from: 5000, length: 4000, times: 5 },
    ]),
  },
];

describe('VCDIFF interop with xdelta3 3.0.11', () => {
  it('xdelta3 is installed (CI installs the Debian package)', () => requireXdelta3());

  describe('our deltas decode with `xdelta3 -d`', () => {
    for (const c of cases) {
      it(c.name, () => {
        expect(Buffer.from(xdelta3Decode(c.source, encodeDelta(c.source, c.target))).equals(c.target)).toBe(
          true,
        );
      });
    }

    it('a target of several 8 MiB windows (18 MiB)', () => {
      const source = randomBytes(6 * MiB, 10);
      const target = applyEdits(source, [
        { kind: 'repeat', from: 0, length: 6 * MiB, times: 2 },
        { kind: 'insert', at: 9 * MiB, length: 4096, seed: 11 },
      ]);
      const delta = encodeDelta(source, target);
      expect(delta.length).toBeLessThan(8000);
      expect(Buffer.from(xdelta3Decode(source, delta)).equals(target)).toBe(true);
    });

    it('without checksums, at level 1, and streamed', async () => {
      const { source, target } = versionPair(400_000, 16, true);
      for (const options of [{ checksum: false }, { level: 1 }, { level: 6, windowSize: 50_000 }]) {
        expect(Buffer.from(xdelta3Decode(source, encodeDelta(source, target, options))).equals(target)).toBe(
          true,
        );
      }
      const pieces: Uint8Array[] = [];
      for await (const piece of encodeDeltaStream(source, [
        target.subarray(0, 1000),
        target.subarray(1000),
      ])) {
        pieces.push(piece);
      }
      expect(Buffer.from(xdelta3Decode(source, Buffer.concat(pieces))).equals(target)).toBe(true);
    });

    it('small windows that each name a different slice of the reference', () => {
      const { source, target } = versionPair(200_000, 12);
      const delta = encodeDelta(source, target, { windowSize: 4096 });
      expect(Buffer.from(xdelta3Decode(source, delta)).equals(target)).toBe(true);
    });
  });

  describe('xdelta3 deltas (-S none) decode with ours', () => {
    for (const flags of [
      ['-S', 'none'],
      ['-9', '-S', 'none'],
      ['-1', '-S', 'none'],
      ['-0', '-S', 'none'],
      ['-S', 'none', '-W', '16384'],
    ]) {
      for (const c of cases) {
        it(`${flags.join(' ')}: ${c.name}`, () => {
          const delta = xdelta3Encode(c.source, c.target, flags);
          expect(Buffer.from(decodeDelta(c.source, delta)).equals(c.target)).toBe(true);
        });
      }
    }

    it('streams: decodeDeltaStream reads an xdelta3 delta of several windows', async () => {
      const { source, target } = versionPair(MiB, 17);
      const delta = xdelta3Encode(source, target, ['-S', 'none', '-W', '65536']);
      const pieces: Uint8Array[] = [];
      const chunks = Array.from({ length: Math.ceil(delta.length / 1000) }, (_, i) =>
        delta.subarray(i * 1000, i * 1000 + 1000),
      );
      for await (const piece of decodeDeltaStream(source, chunks)) pieces.push(piece);
      expect(pieces.length).toBeGreaterThan(10);
      expect(Buffer.concat(pieces).equals(target)).toBe(true);
    });

    it('returns the application header xdelta3 writes', () => {
      const { source, target } = versionPair(50_000, 13);
      const { appHeader } = decodeVcdiff(source, xdelta3Encode(source, target, ['-S', 'none']));
      expect(new TextDecoder().decode(appHeader)).toMatch(/^target\/\/ref\/$/);
    });

    it('a target larger than xdelta3 windows (10 MiB, -9)', () => {
      const { source, target } = versionPair(10 * MiB, 14);
      const delta = xdelta3Encode(source, target, ['-9', '-S', 'none']);
      expect(Buffer.from(decodeDelta(source, delta)).equals(target)).toBe(true);
    });
  });

  it('LZMA secondary compression (xdelta3 defaults) is Unsupported in the synchronous decodeDelta', () => {
    const source = new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(4000));
    const target = applyEdits(source, [{ kind: 'insert', at: 1000, length: 30_000, seed: 15 }]);
    const delta = xdelta3Encode(source, target, ['-9']);
    expect(delta[4]).toBe(0x05);
    let error: unknown;
    try {
      decodeDelta(source, delta);
    } catch (err) {
      error = err;
    }
    expect(BucketkitError.is(error, 'Unsupported')).toBe(true);
    expect(String(error)).toMatch(/LZMA/);
  });

  it('our deltas are no larger than 1.1× `xdelta3 -e -9 -S none` on typical edits', () => {
    for (const [seed, text] of [
      [20, false],
      [21, true],
    ] as const) {
      const { source, target } = versionPair(2 * MiB, seed, text);
      const ours = encodeDelta(source, target).length;
      const theirs = xdelta3Encode(source, target, ['-9', '-S', 'none']).length;
      expect(ours).toBeLessThanOrEqual(Math.ceil(theirs * 1.1));
    }
  });
});
