import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { type FileStoragePort, fileStorage } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { flipByteAt } from '../support/flip-byte.js';

/**
 * Erasure coding over file ports: a shard whose data file rotted is `Corrupt` at the file port (its
 * block checksums), which the erasure read takes as one failed shard of the m it tolerates, and
 * heal() rebuilds it whole.
 */
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function disk(): Promise<FileStoragePort> {
  const dir = await mkdtemp(join(tmpdir(), 'bk-erasure-file-'));
  dirs.push(dir);
  return fileStorage(dir);
}

describe('erasure over file ports: rotted shard files', () => {
  it('two shards with a flipped byte: whole and ranged reads are right, heal() rebuilds both', async () => {
    const disks = await Promise.all(Array.from({ length: 6 }, disk));
    const port = erasure(disks, { data: 4, parity: 2 });
    const body = pseudoRandomBytes(3 * 1024 * 1024, 7);
    await port.put('obj', body);
    const prefix = `d/${createHash('sha256').update('obj').digest('hex')}/`;
    for (const [d, at] of [
      [1, 0.3],
      [4, 0.7],
    ] as const) {
      let flipped = 0;
      for await (const entry of disks[d]!.list({ prefix })) {
        if (entry.type !== 'object') continue;
        await flipByteAt((await disks[d]!.localPath(entry.key))!, at);
        flipped++;
      }
      expect(flipped, `disk ${d} holds a shard in a data file`).toBe(1);
    }
    expect(Buffer.from(await (await port.get('obj')).bytes()).equals(body)).toBe(true);
    const part = await (await port.get('obj', { range: { start: 1_000_000, end: 1_100_000 } })).bytes();
    expect(Buffer.from(part).equals(body.subarray(1_000_000, 1_100_001))).toBe(true);
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ shardsRebuilt: 2, unrecoverable: [] });
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ shardsRebuilt: 0, corruptBlocks: 0 });
  });
});
