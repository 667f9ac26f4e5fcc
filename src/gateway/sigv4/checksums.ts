import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { type Crc32Like, crc32c, crc32Js, crc64nvme } from './crc.js';

/**
 * The `x-amz-checksum-*` algorithms the gateway verifies.
 *
 * @example
 * ```ts
 * for (const algorithm of CHECKSUM_ALGORITHMS) console.log(`x-amz-checksum-${algorithm}`);
 * ```
 */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
/**
 * One of {@link CHECKSUM_ALGORITHMS}.
 *
 * @example
 * ```ts
 * const algorithm: ChecksumAlgorithm = 'crc64nvme';
 * ```
 */
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Digest length in bytes of each algorithm, to reject malformed header values early. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
};

/**
 * An incremental checksum that ends as base64, the form S3 puts in `x-amz-checksum-*`.
 *
 * @example
 * ```ts
 * const sum: Checksummer = createChecksum('sha256');
 * ```
 */
export interface Checksummer {
  update(data: Uint8Array): void;
  /** The base64 digest; call once, after the last update. */
  digest(): string;
}

type ZlibCrc32 = (data: Uint8Array, value: number) => number;
// node:zlib has crc32 from Node 20.15 / 22.2; it is native and several times faster than the table.
const nativeCrc32 = (zlib as unknown as { crc32?: ZlibCrc32 }).crc32;

function be32(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

function crc32Checksummer(family: Crc32Like): Checksummer {
  let register = family.init;
  return {
    update(data) {
      register = family.update(register, data);
    },
    digest: () => be32(family.final(register)),
  };
}

function hashChecksummer(hash: Hash): Checksummer {
  return { update: (data) => hash.update(data), digest: () => hash.digest('base64') };
}

/**
 * Starts a checksum of `algorithm`.
 *
 * @example
 * ```ts
 * const sum = createChecksum('crc32');
 * sum.update(new TextEncoder().encode('hello'));
 * sum.digest(); // 'NhCmhg=='
 * ```
 */
export function createChecksum(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'crc32':
      return crc32Checksummer(
        nativeCrc32 ? { init: 0, update: (c, d) => nativeCrc32(d, c), final: (c) => c } : crc32Js,
      );
    case 'crc32c':
      return crc32Checksummer(crc32c);
    case 'crc64nvme': {
      const state = crc64nvme.init();
      return {
        update: (data) => crc64nvme.update(state, data),
        digest: () => Buffer.from(crc64nvme.final(state)).toString('base64'),
      };
    }
    case 'sha1':
      return hashChecksummer(createHash('sha1'));
    case 'sha256':
      return hashChecksummer(createHash('sha256'));
  }
}

/**
 * The algorithm named by a header such as `x-amz-checksum-crc32` (or by `CRC32` in
 * `x-amz-sdk-checksum-algorithm`); undefined for anything else.
 *
 * @example
 * ```ts
 * checksumAlgorithmOf('x-amz-checksum-crc64nvme'); // 'crc64nvme'
 * ```
 */
export function checksumAlgorithmOf(name: string): ChecksumAlgorithm | undefined {
  const lower = name.trim().toLowerCase();
  const bare = lower.startsWith('x-amz-checksum-') ? lower.slice('x-amz-checksum-'.length) : lower;
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(bare) ? (bare as ChecksumAlgorithm) : undefined;
}

/**
 * True when `value` is canonical base64 of exactly the digest length of `algorithm`.
 *
 * @example
 * ```ts
 * isChecksumValue('crc32', 'NhCmhg=='); // true
 * ```
 */
export function isChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === CHECKSUM_BYTES[algorithm] && bytes.toString('base64') === value;
}
