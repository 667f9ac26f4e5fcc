import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../src/delta/vcdiff/bytes.js';
import { readHeader, readWindow, type WindowParts } from '../../src/delta/vcdiff/decoder.js';
import {
  decodeDelta,
  decodeDeltaAsync,
  decodeDeltaStream,
  decodeVcdiffAsync,
} from '../../src/delta/vcdiff/index.js';
import { writeInteger } from '../../src/delta/vcdiff/integer.js';
import { inflateSections } from '../../src/delta/vcdiff/secondary.js';
import { BucketkitError } from '../../src/errors.js';
import { applyEdits, randomBytes, textLike, versionPair } from './edits.js';
import { xdelta3Encode } from './xdelta3.js';

const MiB = 1024 * 1024;

const cases = [
  { name: 'empty target', source: randomBytes(1000, 1), target: new Uint8Array(0) },
  { name: 'empty source', source: new Uint8Array(0), target: textLike(50_000, 2) },
  { name: 'identical (self-delta)', source: textLike(200_000, 3), target: textLike(200_000, 3) },
  { name: 'mixed edits of text, 1 MiB', ...versionPair(MiB, 4, true) },
  { name: 'mixed edits of random bytes, 1 MiB', ...versionPair(MiB, 5) },
  {
    name: 'text with a large insertion',
    source: new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(4000)),
    target: applyEdits(
      new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(4000)),
      [{ kind: 'insert', at: 1000, length: 30_000, seed: 15 }],
    ),
  },
];

/** The first window of a delta, with its sections as views into `delta`. */
function firstWindow(delta: Uint8Array): WindowParts {
  const reader = new ByteReader(delta);
  const header = readHeader(reader);
  return readWindow(reader, new Uint8Array(1 << 24), undefined, Number.MAX_SAFE_INTEGER, header);
}

/** A delta whose data section is LZMA-compressed, plus where that section sits in it. */
function compressedDelta() {
  const c = cases[5] as (typeof cases)[number];
  const delta = xdelta3Encode(c.source, c.target, []);
  const parts = firstWindow(delta);
  expect(parts.compressed & 1).toBe(1);
  return { ...c, delta, parts, dataAt: parts.data.byteOffset - delta.byteOffset };
}

/** A section re-framed with another declared inflated length. */
function reframe(section: Uint8Array, declared: number): Uint8Array {
  const reader = new ByteReader(section);
  const actual = ((): number => {
    let value = 0;
    for (;;) {
      const b = reader.byte();
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return value;
    }
  })();
  expect(actual).toBeGreaterThan(0);
  const out = new ByteWriter();
  writeInteger(out, declared);
  out.bytes(section.subarray(reader.pos));
  return out.view().slice();
}

/** One section through `inflateSections`. */
async function inflateOne(section: Uint8Array, limit: number, what: string): Promise<Uint8Array> {
  return (await inflateSections([section], [limit], what))[0] as Uint8Array;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('xdelta3 LZMA secondary compression (xz per section)', () => {
  for (const flags of [[], ['-9'], ['-S', 'lzma'], ['-9', '-S', 'lzma'], ['-1'], ['-9', '-n', '-A=']]) {
    for (const c of cases) {
      it(`xdelta3 -e ${flags.join(' ')}: ${c.name}`, async () => {
        const delta = xdelta3Encode(c.source, c.target, flags);
        expect(delta[4]! & 0x01).toBe(0x01); // VCD_DECOMPRESS
        expect(delta[5]).toBe(2); // LZMA
        const out = await decodeDeltaAsync(c.source, delta, { maxTargetSize: c.target.length });
        expect(Buffer.from(out).equals(c.target)).toBe(true);
      });
    }
  }

  it('the deltas really have compressed sections (the synchronous decoder refuses them)', () => {
    const { source, target, parts, delta } = compressedDelta();
    expect(parts.compressed & 3).toBe(3);
    let error: unknown;
    try {
      decodeDelta(source, delta);
    } catch (err) {
      error = err;
    }
    expect(BucketkitError.is(error, 'Unsupported')).toBe(true);
    expect(String(error)).toMatch(/decodeDeltaAsync/);
    expect(target.length).toBeGreaterThan(0);
  });

  it('several 8 MiB windows (18 MiB target, -9)', async () => {
    const source = randomBytes(6 * MiB, 10);
    const target = applyEdits(source, [
      { kind: 'repeat', from: 0, length: 6 * MiB, times: 2 },
      { kind: 'insert', at: 9 * MiB, length: 4096, seed: 11 },
      { kind: 'insert', at: 17 * MiB, length: 200_000, seed: 12 },
    ]);
    const delta = xdelta3Encode(source, target, ['-9']);
    const { target: out, appHeader } = await decodeVcdiffAsync(source, delta);
    expect(Buffer.from(out).equals(target)).toBe(true);
    expect(new TextDecoder().decode(appHeader)).toBe('target//ref/');
  }, 240_000); // xdelta3 -9 over 18 MiB: seconds idle, minutes on a loaded machine

  it('decodeDeltaStream inflates window by window (small windows, delta in 1000-byte chunks)', async () => {
    const { source, target } = versionPair(MiB, 17, true);
    const delta = xdelta3Encode(source, target, ['-W', '65536']);
    const chunks = Array.from({ length: Math.ceil(delta.length / 1000) }, (_, i) =>
      delta.subarray(i * 1000, i * 1000 + 1000),
    );
    const pieces: Uint8Array[] = [];
    for await (const piece of decodeDeltaStream(source, chunks)) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(10);
    expect(Buffer.concat(pieces).equals(target)).toBe(true);
  });

  it('DJW and FGK secondary compression are Unsupported, naming the compressor', async () => {
    // Four-letter noise: nothing to match, but Huffman coding shrinks every section.
    const source = textLike(10_000, 40);
    const target = randomBytes(100_000, 41).map((b) => 'ACGT'.charCodeAt(b & 3));
    for (const [flag, name] of [
      ['djw', 'DJW'],
      ['fgk', 'FGK'],
    ] as const) {
      const error = await rejection(decodeDeltaAsync(source, xdelta3Encode(source, target, ['-S', flag])));
      expect(BucketkitError.is(error, 'Unsupported')).toBe(true);
      expect(String(error)).toContain(name);
    }
  });
});

describe('corrupt LZMA sections are typed Corrupt errors with bounded memory', () => {
  const expectCorrupt = async (promise: Promise<unknown>, pattern?: RegExp) => {
    const error = await rejection(promise);
    expect(BucketkitError.is(error, 'Corrupt'), String(error)).toBe(true);
    if (pattern) expect(String(error)).toMatch(pattern);
  };

  it('a flipped byte in the xz magic', async () => {
    const { source, delta, dataAt } = compressedDelta();
    const bad = delta.slice();
    bad[dataAt + 3] = (bad[dataAt + 3] as number) ^ 0xff; // 2-byte length, then the magic
    await expectCorrupt(decodeDeltaAsync(source, bad), /not an xz stream/);
  });

  it('flipped bytes in the LZMA payload, one position at a time', async () => {
    const { source, delta, dataAt, parts } = compressedDelta();
    for (const at of [30, 40, 100, 500, parts.data.length - 20, parts.data.length - 1]) {
      const bad = delta.slice();
      bad[dataAt + at] = (bad[dataAt + at] as number) ^ 0x55;
      await expectCorrupt(decodeDeltaAsync(source, bad));
    }
  });

  it('a truncated section', async () => {
    const { parts } = compressedDelta();
    const half = parts.data.subarray(0, parts.data.length >> 1);
    await expectCorrupt(inflateOne(half, 1 << 20, 'data section'), /data section/);
  });

  it('a declared inflated length above what the window allows is refused before decoding', async () => {
    const { parts } = compressedDelta();
    await expectCorrupt(
      inflateOne(reframe(parts.data, parts.targetLength + 1), parts.targetLength, 'data section'),
      /more than its window allows/,
    );
  });

  it('a section inflating to more or fewer bytes than it declares', async () => {
    const { parts } = compressedDelta();
    const real = (await inflateOne(parts.data, parts.targetLength, 'data section')).length;
    await expectCorrupt(inflateOne(reframe(parts.data, real - 1), real, 'data section'), /more than/);
    await expectCorrupt(
      inflateOne(reframe(parts.data, real + 1), real + 1, 'data section'),
      /not the|truncated/,
    );
  });

  it('an xz bomb (64 MiB of zeros) declared as 1000 bytes stops at the cap, and decoding still works after', async () => {
    const zeros = new Uint8Array(64 * MiB);
    const xz = new Uint8Array(execFileSync('xz', ['-c', '--format=xz', '--check=none'], { input: zeros }));
    expect(xz.length).toBeLessThan(64 * 1024);
    const section = new ByteWriter();
    writeInteger(section, 1000);
    section.bytes(xz);
    const started = process.cpuUsage(); // CPU time: a loaded machine cannot fail it, a runaway inflate does
    await expectCorrupt(inflateOne(section.view(), 1000, 'data section'), /more than the 1000 bytes/);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
    // The decoder's WebAssembly context was released: a later decode is not blocked.
    const { source, target, delta } = compressedDelta();
    expect(Buffer.from(await decodeDeltaAsync(source, delta)).equals(target)).toBe(true);
  });

  it('a complete xz stream (with footer) also decodes, declared exactly', async () => {
    const text = textLike(300_000, 30);
    const xz = new Uint8Array(execFileSync('xz', ['-c', '--format=xz', '--check=none'], { input: text }));
    const section = new ByteWriter();
    writeInteger(section, text.length);
    section.bytes(xz);
    expect(Buffer.from(await inflateOne(section.view(), text.length, 'data')).equals(text)).toBe(true);
  });

  it('concurrent decodes of LZMA deltas all succeed', async () => {
    const { source, target, delta } = compressedDelta();
    const outs = await Promise.all(Array.from({ length: 8 }, () => decodeDeltaAsync(source, delta)));
    for (const out of outs) expect(Buffer.from(out).equals(target)).toBe(true);
  });
});
