/**
 * A DeltaSpace compresses its deltas' sections with LZMA by default, as `xdelta3 -S lzma` (and so
 * DeltaGlider) does: the stored delta is smaller, reads back, and `xdelta3 -d` (DeltaGlider's reader)
 * rebuilds the file from it and reference.bin.
 */
import { describe, expect, it } from 'vitest';
import { DeltaSpace, delta } from '../../src/delta/index.js';
import { concatBytes } from '../../src/storage/index.js';
import { memoryStorage } from '../../src/storage/memory/memory.js';
import { textLike } from './edits.js';
import { xdelta3Decode } from './xdelta3.js';

/** Two releases of a text-heavy archive: the second adds new passages all through. */
function releases(): [Uint8Array, Uint8Array] {
  const v1 = textLike(400_000, 31);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) pieces.push(v1.subarray(i * 10_000, (i + 1) * 10_000), textLike(600, 100 + i));
  return [v1, concatBytes(pieces)];
}

async function storedDelta(port: ReturnType<typeof memoryStorage>, key: string): Promise<Uint8Array> {
  return (await port.get(key)).bytes();
}

describe('LZMA secondary compression in a DeltaSpace', () => {
  it('is on by default: smaller than without, read back, and xdelta3 -d rebuilds the file', async () => {
    const [v1, v2] = releases();
    const sizes: Record<string, number> = {};
    for (const secondaryCompression of ['lzma', 'none'] as const) {
      const port = memoryStorage();
      const space = new DeltaSpace(port, {
        prefix: 'app',
        ...(secondaryCompression === 'none' ? { secondaryCompression } : {}),
      });
      await space.put('app-1.tar', v1);
      const put = await space.put('app-2.tar', v2);
      expect(put.storedAs).toBe('delta');
      sizes[secondaryCompression] = put.storedSize;
      const stored = await storedDelta(port, 'app/app-2.tar.delta');
      expect((stored[4]! & 0x01) === 0x01).toBe(secondaryCompression === 'lzma'); // VCD_DECOMPRESS
      expect(Buffer.from(await space.get('app-2.tar')).equals(v2)).toBe(true);
      const reference = await storedDelta(port, 'app/reference.bin');
      expect(Buffer.from(xdelta3Decode(reference, stored)).equals(v2)).toBe(true);
    }
    expect(sizes.lzma!).toBeLessThan(sizes.none! * 0.9);
  });

  it('through delta(port): the default, and secondaryCompression "none" turns it off', async () => {
    const [v1, v2] = releases();
    for (const [options, compressed] of [
      [{}, true],
      [{ secondaryCompression: 'none' as const }, false],
    ] as const) {
      const backend = memoryStorage();
      const port = delta(backend, options);
      await port.put('app/app-1.tar', v1);
      await port.put('app/app-2.tar', v2);
      const stored = await storedDelta(backend, 'app/app-2.tar.delta');
      expect((stored[4]! & 0x01) === 0x01).toBe(compressed);
      expect(Buffer.from(await (await port.get('app/app-2.tar')).bytes()).equals(v2)).toBe(true);
    }
  });
});
