import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHUNK,
  importDataKey,
  importWrappingKey,
  newDataKey,
  openChunks,
  openedSize,
  sealChunks,
  sealedRange,
  sealedSize,
  unwrapKey,
  wrapKey,
} from '../../src/storage/index.js';

/** The sealed-chunk format of encryption at rest (issue #19): sizes, ranges, tampering, wrapped keys. */

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

async function* pieces(bytes: Uint8Array, cut: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += cut) yield bytes.subarray(at, at + cut);
}

const patterned = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);

describe('sealed chunks', () => {
  it('seal then open returns the bytes, any size, any input cut, any range (seed pinned)', async () => {
    const key = await importDataKey(newDataKey());
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * CHUNK + 10 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.nat(),
        fc.nat(),
        async (size, cut, a, b) => {
          const plain = patterned(size);
          const sealed = await collect(sealChunks(pieces(plain, cut), key));
          expect(sealed.byteLength).toBe(sealedSize(size));
          expect(openedSize(sealed.byteLength)).toBe(size);
          const whole = sealedRange(0, Math.max(size - 1, 0), size);
          const opened = await collect(
            openChunks(pieces(sealed, cut), key, { ...whole, skip: 0, size, name: 'x' }),
          );
          expect(Buffer.from(opened).equals(Buffer.from(plain))).toBe(true);
          if (size === 0) return;
          const start = Math.min(a, b) % size;
          const end = Math.max(Math.max(a, b) % size, start);
          const range = sealedRange(start, end, size);
          const part = await collect(
            openChunks(pieces(sealed.subarray(range.start, range.end + 1), cut), key, {
              ...range,
              skip: start - range.first * CHUNK,
              size,
              name: 'x',
            }),
          );
          expect(
            Buffer.from(part.subarray(0, end - start + 1)).equals(
              Buffer.from(plain.subarray(start, end + 1)),
            ),
          ).toBe(true);
        },
      ),
      { seed: 19_2026, numRuns: 60 },
    );
  });

  it('refuses a flipped byte, a dropped last chunk, swapped chunks and the wrong key', async () => {
    const key = await importDataKey(newDataKey());
    const size = 2 * CHUNK + 100;
    const sealed = await collect(sealChunks(pieces(patterned(size), 4096), key));
    const open = (bytes: Uint8Array, k = key, claimed = size) =>
      collect(
        openChunks(pieces(bytes, 5000), k, {
          ...sealedRange(0, claimed - 1, claimed),
          skip: 0,
          size: claimed,
          name: 'x',
        }),
      );
    const flipped = Buffer.from(sealed);
    flipped[70_000]! ^= 1;
    await expect(open(flipped)).rejects.toThrow(/Corrupt/);
    // cut at a chunk boundary, and the size claimed to match the cut
    const cut = sealed.subarray(0, 2 * (CHUNK + 16));
    await expect(open(cut, key, 2 * CHUNK)).rejects.toThrow(/Corrupt/);
    await expect(open(cut)).rejects.toThrow(/Corrupt/);
    const swapped = Buffer.concat([
      sealed.subarray(CHUNK + 16, 2 * (CHUNK + 16)),
      sealed.subarray(0, CHUNK + 16),
      sealed.subarray(2 * (CHUNK + 16)),
    ]);
    await expect(open(swapped)).rejects.toThrow(/Corrupt/);
    await expect(open(sealed, await importDataKey(newDataKey()))).rejects.toThrow(/Corrupt/);
  });

  it('node:crypto and WebCrypto agree: a chunk sealed here opens with WebCrypto (the browser path)', async () => {
    const raw = newDataKey();
    const sealed = await collect(
      sealChunks(pieces(new TextEncoder().encode('hello, chunk'), 5), await importDataKey(raw)),
    );
    const iv = new Uint8Array(12);
    iv[11] = 1; // chunk 0, the last one
    const web = await crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
      'decrypt',
    ]);
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv },
      web,
      sealed as Uint8Array<ArrayBuffer>,
    );
    expect(new TextDecoder().decode(opened)).toBe('hello, chunk');
  });

  it('wrapped data keys open only with their key and their context', async () => {
    const kek = await importWrappingKey(newDataKey());
    const dataKey = newDataKey();
    const wrapped = await wrapKey(kek, dataKey, 'AES256');
    expect(await unwrapKey(kek, wrapped, 'AES256')).toEqual(dataKey);
    expect(await unwrapKey(kek, wrapped, 'SSE-C')).toBeUndefined();
    expect(await unwrapKey(await importWrappingKey(newDataKey()), wrapped, 'AES256')).toBeUndefined();
    expect(await unwrapKey(kek, 'not base64!', 'AES256')).toBeUndefined();
  });
});
