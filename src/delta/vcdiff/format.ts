/** Wire constants of VCDIFF (RFC 3284) and of xdelta3's extensions to it. */

export const MAGIC = Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00);

/** `Hdr_Indicator` bits. */
export const VCD_DECOMPRESS = 0x01;
export const VCD_CODETABLE = 0x02;
/** xdelta3: an application header (integer length, then bytes) follows. */
export const VCD_APPHEADER = 0x04;

/** `Win_Indicator` bits. */
export const VCD_SOURCE = 0x01;
export const VCD_TARGET = 0x02;
/** xdelta3: a 4-byte big-endian Adler-32 of the target window follows the section lengths. */
export const VCD_ADLER32 = 0x04;

/** `Delta_Indicator` bits: which sections went through the secondary compressor. */
export const VCD_DATACOMP = 0x01;
export const VCD_INSTCOMP = 0x02;
export const VCD_ADDRCOMP = 0x04;

/** Secondary compressor ids as xdelta3 numbers them. */
/** xdelta3's id for LZMA (an xz stream per section), the only secondary compressor we decode. */
export const SECONDARY_LZMA = 2;

export const SECONDARY_NAMES: Readonly<Record<number, string>> = { 1: 'DJW', 2: 'LZMA', 16: 'FGK' };

/** Largest target window the decoder accepts: bounds the memory one window can claim. */
export const MAX_WINDOW_SIZE = 64 * 1024 * 1024;

/** Target bytes per window the encoder writes (xdelta3 3.0.11 reads windows up to 16 MiB). */
export const ENCODER_WINDOW_SIZE = 8 * 1024 * 1024;
