/**
 * Where an erasure-coded object lives on each of its ports, and how its bytes are laid out.
 *
 * On every port: `m/<key>` holds the object's manifest (JSON, the same on all ports) and
 * `d/<sha256(key)>/<version>/<shard index>` that port's shard of that version. A shard object is, for
 * each block of the object, the shard's slice of the block followed by its checksum (see checksum.ts),
 * bound to the key, version, shard and block, so a flipped bit or a block in the wrong place is caught
 * per block and only that block is rebuilt. Versions never share shard objects, so an overwrite
 * cannot mix old and new shards: the manifest names the version to read.
 */
import { createHash } from 'node:crypto';
import type { Metadata } from '../storage/index.js';
import type { BlockChecksum } from './checksum.js';

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
  checksum?: BlockChecksum;
  /** Which shard indexes were written; the others are for `heal()` to rebuild. */
  written: boolean[];
}

export const manifestKey = (key: string) => `${MANIFEST_PREFIX}${key}`;

export function shardKey(key: string, version: string, index: number): string {
  return `${DATA_PREFIX}${createHash('sha256').update(key).digest('hex')}/${version}/${index}`;
}

const LAST_TIME = 36 ** 10 - 1;

/**
 * A new version id: milliseconds, then randomness, so concurrent writers never collide and order by
 * time. Given the version it replaces, the new one is always greater, even within one millisecond.
 */
export function newVersion(replaces?: string): string {
  const previous = replaces ? Number.parseInt(replaces.slice(0, 10), 36) : 0;
  // 10 base-36 digits hold times to the year 117 000; a larger "previous" is damage, not a time
  const time = Math.min(Math.max(Date.now(), Number.isFinite(previous) ? previous + 1 : 0), LAST_TIME);
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

const VERSION = /^[0-9a-z]{10}-[0-9a-f]{12}$/;

const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/**
 * The manifest in `text` if it is one of `key` whose every field is well formed, else undefined: a
 * damaged manifest is one vote that counts for nothing, never a description to read by.
 *
 * @example
 * ```ts
 * const manifest = parseManifest(await got.text(), 'a.txt');
 * ```
 */
export function parseManifest(text: string, key?: string): Manifest | undefined {
  let value: Partial<Manifest>;
  try {
    value = JSON.parse(text) as Partial<Manifest>;
  } catch {
    return undefined;
  }
  return isManifest(value, key) ? value : undefined;
}

function isManifest(m: Partial<Manifest> | null, key: string | undefined): m is Manifest {
  if (typeof m !== 'object' || m === null || m.v !== 1) return false;
  if (typeof m.key !== 'string' || (key !== undefined && m.key !== key)) return false;
  if (typeof m.version !== 'string' || !VERSION.test(m.version)) return false;
  if (m.deleted !== undefined && m.deleted !== true) return false;
  if (!isCount(m.size, 0) || (m.deleted && m.size !== 0)) return false;
  if (typeof m.etag !== 'string' || m.etag === '') return false;
  if (typeof m.lastModified !== 'number' || !Number.isFinite(m.lastModified)) return false;
  if (m.contentType !== undefined && typeof m.contentType !== 'string') return false;
  if (typeof m.metadata !== 'object' || m.metadata === null || Array.isArray(m.metadata)) return false;
  if (!Object.values(m.metadata).every((v) => typeof v === 'string')) return false;
  if (!isCount(m.dataShards, 1) || !isCount(m.parityShards, 0)) return false;
  if (m.dataShards + m.parityShards > 256 || !isCount(m.blockSize, 1)) return false;
  if (m.checksum !== undefined && typeof m.checksum !== 'string') return false;
  return (
    Array.isArray(m.written) &&
    m.written.length === m.dataShards + m.parityShards &&
    m.written.every((w) => typeof w === 'boolean')
  );
}
