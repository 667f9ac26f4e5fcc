/**
 * Where an erasure-coded object lives on each of its ports, and how its bytes are laid out.
 *
 * On every port: `m/<key>` holds the object's manifest (JSON, the same on all ports) and
 * `d/<sha256(key)>/<version>/<shard index>` that port's shard of that version. A shard object is, for
 * each block of the object, the shard's slice of the block followed by its checksum (see checksum.ts), so a flipped bit is
 * caught per block and only that block is rebuilt. Versions never share shard objects, so an overwrite
 * cannot mix old and new shards: the manifest names the version to read.
 */
import { createHash } from 'node:crypto';
import type { Metadata } from '../storage/index.js';

export const MANIFEST_PREFIX = 'm/';
export const DATA_PREFIX = 'd/';
export const CHECKSUM_BYTES = 4;

export interface Manifest {
  v: 1;
  key: string;
  /** Sortable: a newer write has a greater version. */
  version: string;
  deleted?: true;
  size: number;
  etag: string;
  lastModified: number;
  contentType?: string;
  metadata: Metadata;
  dataShards: number;
  parityShards: number;
  blockSize: number;
  /** The checksum after each shard block (checksum.ts); absent in manifests written before it: `crc32`. */
  checksum?: 'xxh64';
  /** Which shard indexes were written; the others are for `heal()` to rebuild. */
  written: boolean[];
}

export const manifestKey = (key: string) => `${MANIFEST_PREFIX}${key}`;

export function shardKey(key: string, version: string, index: number): string {
  return `${DATA_PREFIX}${createHash('sha256').update(key).digest('hex')}/${version}/${index}`;
}

/**
 * A new version id: milliseconds, then randomness, so concurrent writers never collide and order by
 * time. Given the version it replaces, the new one is always greater, even within one millisecond.
 */
export function newVersion(replaces?: string): string {
  const previous = replaces ? Number.parseInt(replaces.slice(0, 10), 36) : 0;
  const time = Math.max(Date.now(), Number.isFinite(previous) ? previous + 1 : 0);
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return `${time.toString(36).padStart(10, '0')}-${random}`;
}

/** Sizes and offsets of an object's blocks. */
export interface Geometry {
  blocks: number;
  /** Shard bytes of a full block (without its checksum). */
  shardSize: number;
  blockLength(block: number): number;
  shardLength(block: number): number;
  /** Byte offset of a block's shard slice inside a shard object. */
  shardOffset(block: number): number;
  shardObjectSize: number;
}

/**
 * @example
 * ```ts
 * const g = geometry(3 * 2 ** 20 + 5, 2 ** 20, 4); // 4 blocks, the last of 5 bytes
 * ```
 */
export function geometry(size: number, blockSize: number, dataShards: number): Geometry {
  const blocks = Math.ceil(size / blockSize);
  const shardSize = Math.ceil(blockSize / dataShards);
  const blockLength = (b: number) => Math.min(blockSize, size - b * blockSize);
  const shardLength = (b: number) => Math.ceil(blockLength(b) / dataShards);
  const shardOffset = (b: number) => b * (shardSize + CHECKSUM_BYTES);
  const shardObjectSize =
    blocks === 0 ? 0 : shardOffset(blocks - 1) + shardLength(blocks - 1) + CHECKSUM_BYTES;
  return { blocks, shardSize, blockLength, shardLength, shardOffset, shardObjectSize };
}

export function parseManifest(text: string): Manifest | undefined {
  try {
    const value = JSON.parse(text) as Manifest;
    return value && value.v === 1 && typeof value.version === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
