/**
 * The byte layout of a TAR header block (POSIX ustar, with the GNU and PAX extensions), shared by the
 * reader and the writer.
 */

export const BLOCK = 512;
/** Bytes of a header checksum field, which counts as spaces while the checksum is computed. */
const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;

/** Field offsets and lengths inside a header block. */
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [CHECKSUM_OFFSET, CHECKSUM_LENGTH],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8],
  uname: [265, 32],
  gname: [297, 32],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** The largest size an 11-digit octal field holds; bigger sizes go to a PAX record. */
export const MAX_OCTAL_SIZE = 8 ** 11 - 1;

/** Bytes rounded up to whole blocks. */
export const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/**
 * Header checksums: the plain byte sum that POSIX specifies, and the sum of signed bytes that some
 * old tars wrote (readers accept either, as GNU tar does).
 */
export function headerChecksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const inChecksum = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH;
    const b = inChecksum ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

export const utf8 = new TextEncoder();
// ignoreBOM: a name or PAX value that starts with U+FEFF keeps it (it is part of the name)
export const fromUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
