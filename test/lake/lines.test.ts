import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textLineBatches, textLines } from '../../src/lake/ingest/lines.js';

async function* chunksOf(bytes: Uint8Array, sizes: readonly number[]) {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.slice(at, at + size);
    at += size;
  }
}

/** What the lines are when each one is decoded alone: split on byte 10, one `TextDecoder` call per line. */
function linesOneByOne(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
    out.push(new TextDecoder().decode(bytes.subarray(start, nl)));
    start = nl + 1;
  }
  if (start < bytes.length) out.push(new TextDecoder().decode(bytes.subarray(start)));
  return out.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

async function collect(source: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const line of source) out.push(line);
  return out;
}

describe('text lines', () => {
  it('gives every line as decoding it alone does, whatever the chunks (property, pinned seed)', async () => {
    // bytes that matter: newlines, CR, a BOM (EF BB BF), a 2-byte character, stray continuation and lead bytes
    const piece = fc.constantFrom(
      [10],
      [13],
      [13, 10],
      [0xef, 0xbb, 0xbf],
      [0xc3, 0xa9],
      [0x80],
      [0xe2],
      [0x61],
      [0x7b, 0x7d],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        async (pieces, sizes) => {
          const bytes = new Uint8Array(pieces.flat());
          expect(await collect(textLines(chunksOf(bytes, sizes)))).toEqual(linesOneByOne(bytes));
        },
      ),
      { numRuns: 400, seed: 20261206 },
    );
  });

  it('keeps the second of two U+FEFF when the first is split between chunks (seed 20261206 on Node 24)', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]);
    expect(await collect(textLines(chunksOf(bytes, [1, 5])))).toEqual(['\uFEFF']);
    expect(await collect(textLines(chunksOf(new Uint8Array([...bytes, 10, ...bytes]), [1, 5])))).toEqual([
      '\uFEFF',
      '\uFEFF',
    ]);
  });

  it('decodes the lines inside one chunk in one batch', async () => {
    const bytes = new TextEncoder().encode('a\n\uFEFFb\r\nc\nlast');
    const batches: string[][] = [];
    for await (const batch of textLineBatches(chunksOf(bytes, [bytes.length]))) batches.push(batch);
    expect(batches).toEqual([['a', 'b', 'c'], ['last']]);
  });

  it('skips a line longer than the limit and reports its size', async () => {
    const bytes = new TextEncoder().encode(`short\n${'x'.repeat(100)}\nafter\n`);
    const tooLong: number[] = [];
    const lines = await collect(
      textLines(chunksOf(bytes, [8]), { maxLineBytes: 32, onTooLong: (n) => tooLong.push(n) }),
    );
    expect(lines).toEqual(['short', 'after']);
    expect(tooLong).toEqual([100]);
  });
});
