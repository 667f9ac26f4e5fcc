/**
 * Issue 15: `DeltaSpace.put` reports progress in bytes of the file, from the reference write through
 * the encoding to the stored file, for every way a file can be stored.
 */
import { describe, expect, it } from 'vitest';
import { DeltaSpace } from '../../src/delta/index.js';
import { memoryStorage, type Progress } from '../../src/storage/index.js';
import { randomBytes } from './edits.js';

/** Puts `bytes` as `name`, returning the result and every progress report. */
async function putWatched(space: DeltaSpace, name: string, bytes: Uint8Array) {
  const seen: Progress[] = [];
  const result = await space.put(name, bytes, { onProgress: (p) => seen.push(p) });
  return { result, seen, loaded: seen.map((p) => p.loaded) };
}

const nonDecreasing = (values: number[]) => values.every((v, i) => i === 0 || v >= (values[i - 1] as number));

describe('DeltaSpace.put onProgress', () => {
  it('a delta of more than one window: the reference write, then each window, ending at the size', async () => {
    const size = 9 * 1024 * 1024; // two 8 MiB windows
    const space = new DeltaSpace(memoryStorage(), { prefix: 'rel' });
    const { result, seen, loaded } = await putWatched(space, 'big.zip', new Uint8Array(size).fill(7));
    expect(result).toMatchObject({ storedAs: 'delta', createdReference: true });
    expect(seen.every((p) => p.total === size)).toBe(true);
    expect(nonDecreasing(loaded)).toBe(true);
    expect(loaded.at(-1)).toBe(size);
    expect(loaded.filter((n) => n === size)).toHaveLength(1);
    // the encoding starts at half the range, its first window lands strictly between half and the end
    expect(loaded).toContain(Math.floor(size / 2));
    expect(loaded.some((n) => n > size / 2 && n < size)).toBe(true);
  }, 120_000);

  it('a direct file reports its upload and ends at its size', async () => {
    const space = new DeltaSpace(memoryStorage());
    const bytes = randomBytes(50_000, 3);
    const { result, seen, loaded } = await putWatched(space, 'notes.txt', bytes);
    expect(result.storedAs).toBe('direct');
    expect(seen.every((p) => p.total === bytes.length)).toBe(true);
    expect(nonDecreasing(loaded)).toBe(true);
    expect(loaded.at(-1)).toBe(bytes.length);
  });

  it('a delta too large to keep, stored directly after all, never goes backwards', async () => {
    const space = new DeltaSpace(memoryStorage());
    await space.put('a.zip', randomBytes(100_000, 1));
    const other = randomBytes(100_000, 2);
    const { result, loaded } = await putWatched(space, 'b.zip', other);
    expect(result).toMatchObject({ storedAs: 'direct', createdReference: false });
    expect(nonDecreasing(loaded)).toBe(true);
    expect(loaded.at(-1)).toBe(other.length);
  });
});
