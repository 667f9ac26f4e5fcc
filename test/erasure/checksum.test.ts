/**
 * Shard blocks carry the low 32 bits of XXH64 since the manifest names its checksum; objects whose
 * manifest names none carry CRC-32 (written before), and must read, survive a flipped bit and heal.
 */

import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { blockChecksum, shardChecksum } from '../../src/erasure/checksum.js';
import { erasure, heal } from '../../src/erasure/index.js';
import { BucketkitError, memoryStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';

const BLOCK = 64 * 1024;
/** Shard bytes of one block (4 data shards), then its 4-byte checksum. */
const SHARD_BLOCK = BLOCK / 4 + 4;

const text = (s: string) => new TextEncoder().encode(s);

async function shardKeys(disk: StoragePort): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of disk.list({ prefix: 'd/' })) if (entry.type === 'object') keys.push(entry.key);
  return keys;
}

/** Rewrites every shard block's trailer with `checksumOf`, and every manifest through `edit`. */
async function rewrite(
  disks: StoragePort[],
  checksumOf: (bytes: Uint8Array) => number,
  edit: (manifest: Record<string, unknown>) => void,
) {
  for (const disk of disks) {
    for (const key of await shardKeys(disk)) {
      const bytes = (await (await disk.get(key)).bytes()).slice();
      const view = new DataView(bytes.buffer);
      for (let at = 0; at < bytes.byteLength; at += SHARD_BLOCK) {
        const length = Math.min(SHARD_BLOCK, bytes.byteLength - at) - 4;
        view.setUint32(at + length, checksumOf(bytes.subarray(at, at + length)));
      }
      await disk.put(key, bytes);
    }
    const manifest = JSON.parse(await (await disk.get('m/obj')).text()) as Record<string, unknown>;
    edit(manifest);
    await disk.put('m/obj', JSON.stringify(manifest));
  }
}

describe('block checksums', () => {
  it('xxh64 is the low 32 bits of XXH64 with seed 0 (reference vectors)', async () => {
    const xxh64 = await blockChecksum('xxh64');
    // XXH64("") = ef46db3751d8e999, XXH64("abc") = 44bc2cf5ad770999, XXH64("bucketkit") = cdab8538732faef1
    expect(xxh64(new Uint8Array(0))).toBe(0x51d8e999);
    expect(xxh64(text('abc'))).toBe(0xad770999);
    expect(xxh64(text('bucketkit'))).toBe(0x732faef1);
    expect(await blockChecksum(undefined)).toBe(crc32);
  });

  it('xxh64-bound seeds XXH64 with what a block belongs to (the format, pinned)', async () => {
    const scope = {
      key: 'a/b.txt',
      version: '0mabcdefgh-0123456789ab',
      blockSize: 1 << 20,
      dataShards: 4,
      parityShards: 2,
      checksum: 'xxh64-bound' as const,
    };
    const bound = await shardChecksum(scope);
    const api = await xxhash();
    const bytes = text('bucketkit');
    for (const [shard, block] of [
      [0, 0],
      [5, 0],
      [2, 7],
      [3, 100_000],
    ] as const) {
      const header = JSON.stringify([
        'bucketkit/erasure block',
        scope.key,
        scope.version,
        scope.blockSize,
        4,
        2,
        shard,
      ]);
      const base = createHash('sha256').update(header).digest().readBigUInt64BE(0);
      const seed = (base + BigInt(block) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      expect(bound(bytes, shard, block)).toBe(Number(api.h64Raw(bytes, seed) & 0xffffffffn));
    }
    // the same bytes in another place: another shard, block, version or key each give another checksum
    const seen = new Set([
      bound(bytes, 0, 0),
      bound(bytes, 1, 0),
      bound(bytes, 0, 1),
      (await shardChecksum({ ...scope, version: '0mabcdefgh-0123456789ac' }))(bytes, 0, 0),
      (await shardChecksum({ ...scope, key: 'a/b.txu' }))(bytes, 0, 0),
      (await blockChecksum('xxh64'))(bytes),
    ]);
    expect(seen.size).toBe(6);
  });

  it('new objects name xxh64-bound in their manifest; objects without the field (CRC-32) read, repair and heal', async () => {
    const disks = Array.from({ length: 6 }, () => memoryStorage());
    const port = erasure(disks, { parity: 2, blockSize: BLOCK });
    const bytes = pseudoRandomBytes(5 * BLOCK + 777, 9);
    await port.put('obj', bytes);
    expect(JSON.parse(await (await disks[0]!.get('m/obj')).text()).checksum).toBe('xxh64-bound');

    // the same object as an earlier version wrote it: CRC-32 trailers, no checksum field
    await rewrite(disks, crc32, (manifest) => delete manifest.checksum);
    expect(Buffer.from(await (await port.get('obj')).bytes()).equals(bytes)).toBe(true);

    // a flipped bit in block 2 of data shard 0 is caught by its CRC-32 and rebuilt from the others
    const [damaged] = await shardKeys(disks[0]!);
    const stored = (await (await disks[0]!.get(damaged!)).bytes()).slice();
    stored[2 * SHARD_BLOCK + 10]! ^= 0x01;
    await disks[0]!.put(damaged!, stored);
    expect(Buffer.from(await (await port.get('obj')).bytes()).equals(bytes)).toBe(true);

    const report = await heal(port);
    expect(report.corruptBlocks).toBe(1);
    expect(report.shardsRebuilt).toBe(1);
    // the rebuilt shard carries CRC-32s again, as its manifest says
    const rebuilt = await (await disks[0]!.get(damaged!)).bytes();
    const view = new DataView(rebuilt.buffer, rebuilt.byteOffset);
    expect(view.getUint32(2 * SHARD_BLOCK + BLOCK / 4)).toBe(
      crc32(rebuilt.subarray(2 * SHARD_BLOCK, 2 * SHARD_BLOCK + BLOCK / 4)),
    );
    expect((await heal(port)).corruptBlocks).toBe(0);
  });

  it('a checksum this version does not know is a typed Unsupported error, not a corrupt object', async () => {
    const disks = Array.from({ length: 6 }, () => memoryStorage());
    const port = erasure(disks, { parity: 2, blockSize: BLOCK });
    await port.put('obj', pseudoRandomBytes(BLOCK, 3));
    await rewrite(
      disks,
      (b) => crc32(b),
      (manifest) => {
        manifest.checksum = 'blake9';
      },
    );
    const err = await port
      .get('obj')
      .then((got) => got.bytes())
      .catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Unsupported')).toBe(true);
    expect(String((err as Error).message)).toMatch(/blake9.*upgrade/);
  });
});
