/** Tools for damaging an erasure port's shards and manifests the way failing media and operators do. */
import xxhash from 'xxhash-wasm';
import { geometry, type Manifest, shardKey } from '../../src/erasure/layout.js';
import { BucketkitError, type StoragePort } from '../../src/index.js';

/** Every way to choose `count` of the indexes 0..n-1, each in ascending order. */
export function choose(n: number, count: number): number[][] {
  if (count === 0) return [[]];
  const out: number[][] = [];
  for (let i = 0; i < n; i++)
    for (const rest of choose(n, count - 1)) if (rest.every((r) => r > i)) out.push([i, ...rest]);
  return out;
}

/** The manifest one port holds for `key`, as stored. */
export async function manifestOf(disk: StoragePort, key: string): Promise<Manifest> {
  return JSON.parse(await (await disk.get(`m/${key}`)).text()) as Manifest;
}

/** Replaces the manifest one port holds for `key` by `edit` of it. */
export async function editManifest(
  disk: StoragePort,
  key: string,
  edit: (manifest: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  const manifest = (await manifestOf(disk, key)) as unknown as Record<string, unknown>;
  await disk.put(`m/${key}`, JSON.stringify(edit(manifest)));
}

/**
 * What a full read of `key` gives: its bytes, or the code of the BucketkitError it failed with. Any
 * other error (a raw one) is thrown, so a test sees it.
 */
export async function corruptOrBytes(port: StoragePort, key: string): Promise<Uint8Array | string> {
  try {
    return await (await port.get(key)).bytes();
  } catch (err) {
    if (BucketkitError.is(err)) return err.code;
    throw err;
  }
}

/**
 * Rewrites `key` on every port as a version before bound checksums wrote it: each block's trailer the
 * low 32 bits of XXH64 (seed 0) of its slice, and `"checksum": "xxh64"` in the manifest.
 */
export async function rewriteLegacy(disks: StoragePort[], key: string, blockSize: number): Promise<void> {
  const api = await xxhash();
  for (const [i, disk] of disks.entries()) {
    const manifest = await manifestOf(disk, key);
    const g = geometry(manifest.size, blockSize, manifest.dataShards);
    const path = shardKey(key, manifest.version, i);
    const bytes = (await (await disk.get(path)).bytes()).slice();
    const view = new DataView(bytes.buffer);
    for (let b = 0; b < g.blocks; b++) {
      const at = g.shardOffset(b);
      const slice = bytes.subarray(at, at + g.shardLength(b));
      view.setUint32(at + g.shardLength(b), Number(api.h64Raw(slice) & 0xffffffffn));
    }
    await disk.put(path, bytes);
    await disk.put(`m/${key}`, JSON.stringify({ ...manifest, checksum: 'xxh64' }));
  }
}

/** True when `got` holds exactly `want`'s bytes (vitest's toEqual takes seconds on large arrays). */
export function sameBytes(got: Uint8Array | string, want: Uint8Array): boolean {
  return typeof got !== 'string' && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want);
}
