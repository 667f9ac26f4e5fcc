import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erasure } from '../../src/erasure/index.js';
import { memoryStorage, readAll } from '../../src/storage/index.js';

const KIB = 1024;

describe('erasure reads: batches with read-ahead, handed out without joining', () => {
  const disks = Array.from({ length: 6 }, () => memoryStorage());
  // 4 KiB blocks, two per batch: a 50 KiB object spans seven batches
  const port = erasure(disks, { parity: 2, blockSize: 4 * KIB, blocksPerRead: 2 });
  const bytes = new Uint8Array(50 * KIB + 7).map((_, i) => (i * 31 + (i >> 8)) & 0xff);

  it('any byte range reads back exactly, also with two shards lost', async () => {
    await port.put('obj', bytes);
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.nat(bytes.length - 1), async (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const got = await readAll((await port.get('obj', { range: { start, end } })).body);
        expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(start, end + 1)))).toBe(true);
      }),
      { numRuns: 60 },
    );
    const crippled = erasure([disks[0]!, disks[1]!, memoryStorage(), disks[3]!, memoryStorage(), disks[5]!], {
      parity: 2,
      blockSize: 4 * KIB,
      blocksPerRead: 2,
    });
    expect(Buffer.from(await (await crippled.get('obj')).bytes()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a reader that stops early cancels the read-ahead without an error escaping', async () => {
    await port.put('big', bytes);
    const got = await port.get('big');
    const reader = got.body.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBeGreaterThan(0);
    await reader.cancel();
    // the port keeps serving
    expect((await (await port.get('big')).bytes()).byteLength).toBe(bytes.length);
  });
});
