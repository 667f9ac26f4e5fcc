import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDelta,
  decodeDeltaStream,
  encodeDelta,
  encodeDeltaStream,
} from '../../src/delta/vcdiff/index.js';
import { BucketkitError } from '../../src/errors.js';
import { readAll } from '../../src/storage/index.js';
import { applyEdits, type Edit, randomBytes, versionPair } from './edits.js';

function* chunks(data: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

describe('streaming VCDIFF', () => {
  it('encodeDeltaStream writes the same bytes as encodeDelta, whatever the chunking', async () => {
    const { source, target } = versionPair(100_000, 1);
    const whole = encodeDelta(source, target, { windowSize: 16 * 1024 });
    for (const sizes of [[1, 7, 300], [16 * 1024], [100_000], [5000, 11_000]]) {
      const streamed = await readAll(
        encodeDeltaStream(source, chunks(target, sizes), { windowSize: 16 * 1024 }),
      );
      expect(Buffer.from(streamed).equals(whole)).toBe(true);
    }
    expect(
      Buffer.from(await readAll(encodeDeltaStream(source, []))).equals(
        encodeDelta(source, new Uint8Array(0)),
      ),
    ).toBe(true);
  });

  it('decodeDeltaStream restores the target from any chunking of the delta', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }),
        async (size, sizes) => {
          const source = randomBytes(size, size);
          const edits: Edit[] = [
            { kind: 'insert', at: size >> 1, length: 500, seed: 3 },
            { kind: 'flip', at: 17 },
          ];
          const target = applyEdits(source, edits);
          const delta = encodeDelta(source, target, { windowSize: 4096 });
          const out = await readAll(decodeDeltaStream(source, chunks(delta, sizes)));
          expect(Buffer.from(out).equals(target)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodeDeltaStream rejects truncated and corrupted deltas with typed errors', async () => {
    const { source, target } = versionPair(30_000, 2);
    const delta = encodeDelta(source, target, { windowSize: 4096 });
    for (const cut of [0, 3, 6, 20, delta.length - 1]) {
      const err = await readAll(decodeDeltaStream(source, chunks(delta.subarray(0, cut), [7]))).catch(
        (e: unknown) => e,
      );
      expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    }
    const flipped = delta.slice();
    flipped[delta.length - 10] = (flipped[delta.length - 10] as number) ^ 0xff;
    const err = await readAll(decodeDeltaStream(source, [flipped])).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    expect(decodeDelta(source, delta).length).toBe(target.length);
  });
});
