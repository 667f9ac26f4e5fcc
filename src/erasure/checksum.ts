import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import xxhash, { type XXHashAPI } from 'xxhash-wasm';
import { bkError } from '../errors.js';
import type { Manifest } from './layout.js';

/**
 * The checksum after each shard block, named in the manifest:
 * - `xxh64-bound` (objects written now): the low 32 bits of XXH64 of the slice, seeded with a value
 *   derived from the key, the version, the block size, k, m, the shard index and the block number. A
 *   block read from the wrong place (another shard, another block, another object or version) fails
 *   its check like a damaged one, and is rebuilt from the others.
 * - `xxh64`: the same with seed 0, bound to nothing (objects written before `xxh64-bound`).
 * - `crc32`: manifests without the field (written before `xxh64`).
 * XXH64 (xxhash-wasm) runs at about 5.9 GB/s here against 2.1 GB/s for node:zlib's CRC-32; a seed costs
 * nothing per byte. Any of them catches a random corruption of a block but for a 2^-32 chance.
 */
export type BlockChecksum = 'crc32' | 'xxh64' | 'xxh64-bound';

/** The checksum new writes use. */
export const WRITE_CHECKSUM = 'xxh64-bound' satisfies BlockChecksum;

/** A checksum of bytes alone, as an unsigned 32-bit number. */
export type ChecksumOf = (bytes: Uint8Array) => number;

/** The checksum of block `block` of shard `shard` of one object version, as an unsigned 32-bit number. */
export type ShardChecksum = (bytes: Uint8Array, shard: number, block: number) => number;

/** The manifest fields a bound checksum depends on: all known before the body is read. */
export type ChecksumScope = Pick<
  Manifest,
  'key' | 'version' | 'blockSize' | 'dataShards' | 'parityShards' | 'checksum'
>;

let loading: Promise<XXHashAPI> | undefined;

const LOW_32 = 0xffffffffn;
const LOW_64 = 0xffffffffffffffffn;
/** 2^64 / φ, odd: consecutive block numbers give seeds far apart. */
const BLOCK_STEP = 0x9e3779b97f4a7c15n;

function unsupported(kind: string): never {
  throw bkError(
    'Unsupported',
    `shard blocks carry a "${kind}" checksum this version cannot check; upgrade bucketkit`,
  );
}

/**
 * The function computing an unbound checksum `kind` (`crc32`, or `xxh64` with seed 0); absent means
 * `crc32`. Throws `Unsupported` for a kind this version does not know.
 *
 * @example
 * ```ts
 * const checksumOf = await blockChecksum('xxh64');
 * const ok = checksumOf(block) === view.getUint32(block.byteLength);
 * ```
 */
export async function blockChecksum(kind: string | undefined): Promise<ChecksumOf> {
  if (kind === undefined || kind === 'crc32') return crc32;
  if (kind !== 'xxh64') unsupported(kind);
  loading ??= xxhash();
  const api = await loading;
  return (bytes) => Number(api.h64Raw(bytes) & LOW_32);
}

/**
 * The checksum of every block of one object version, as its manifest names it (`scope.checksum`).
 * Throws `Unsupported` for a kind this version does not know, so a newer object is never misread as
 * corrupt.
 *
 * @example
 * ```ts
 * const checksumOf = await shardChecksum(manifest);
 * const ok = checksumOf(slice, shardIndex, blockNumber) === view.getUint32(slice.byteLength);
 * ```
 */
export async function shardChecksum(scope: ChecksumScope): Promise<ShardChecksum> {
  const kind = scope.checksum;
  if (kind !== 'xxh64-bound') {
    const unbound = await blockChecksum(kind);
    return (bytes) => unbound(bytes);
  }
  loading ??= xxhash();
  const api = await loading;
  const bases: bigint[] = [];
  const baseOf = (shard: number) => {
    bases[shard] ??= seedOf(scope, shard);
    return bases[shard]!;
  };
  return (bytes, shard, block) => {
    const seed = (baseOf(shard) + BigInt(block) * BLOCK_STEP) & LOW_64;
    return Number(api.h64Raw(bytes, seed) & LOW_32);
  };
}

/** 64 bits of SHA-256 over what a shard's blocks belong to. */
function seedOf(scope: ChecksumScope, shard: number): bigint {
  const header = JSON.stringify([
    'bucketkit/erasure block',
    scope.key,
    scope.version,
    scope.blockSize,
    scope.dataShards,
    scope.parityShards,
    shard,
  ]);
  return createHash('sha256').update(header).digest().readBigUInt64BE(0);
}
