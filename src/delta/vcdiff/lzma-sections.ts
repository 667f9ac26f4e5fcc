/**
 * Writes VCDIFF sections the way xdelta3's LZMA secondary compressor frames them (see `secondary.ts`
 * for the reading side): one xz stream per kind of section (LZMA2 filter, check None), its stream and
 * block headers before the first compressed section, each section a run of whole LZMA2 chunks (so
 * every piece ends sync-flushed), and the stream never finished. A section that does not get smaller
 * is written plain and leaves no trace in the stream.
 */
import { ByteWriter } from './bytes.js';
import { VCD_ADDRCOMP, VCD_DATACOMP, VCD_INSTCOMP } from './format.js';
import { writeInteger } from './integer.js';
import { DICT_SIZE, LZMA_PROPS, LzmaEncoder } from './lzma-encoder.js';
import { RangeEncoder } from './range-encoder.js';

/**
 * Gives up on a section that has not shrunk by 3% after its first 256 KiB (compressed archive members,
 * random bytes): LZMA would spend about half a second per MiB to win nothing.
 */
function hopeless(consumed: number, written: number): boolean {
  return consumed >= 256 * 1024 && written > consumed * 0.97;
}

/** An LZMA2 chunk holds at most 64 KiB compressed and 2 MiB uncompressed. */
const CHUNK_COMPRESSED = 65536;
const CHUNK_UNCOMPRESSED = 1 << 21;
/** Room left in a chunk for the last symbol and the range coder's flush. */
const CHUNK_SLACK = 256;
const LZMA2_FIRST = 0xe0; // compressed, dictionary + state reset, properties follow
const LZMA2_NEXT = 0x80; // compressed, everything carried over

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crcTable[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function withCrc(bytes: number[]): number[] {
  const crc = crc32(Uint8Array.from(bytes));
  return [...bytes, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
}

/** `2^(n/2 + 12)` (n even) is the xz dictionary size byte's meaning. */
const DICT_BYTE = 2 * (Math.log2(DICT_SIZE) - 12);

/** Stream header (check None) then a block header: one LZMA2 filter, no sizes. */
export const XZ_HEADERS = Uint8Array.from([
  0xfd,
  0x37,
  0x7a,
  0x58,
  0x5a,
  0x00,
  ...withCrc([0x00, 0x00]).slice(0),
  ...withCrc([0x02, 0x00, 0x21, 0x01, DICT_BYTE, 0x00, 0x00, 0x00]),
]);

/**
 * One kind of section (data, instructions or addresses) across the windows of a delta.
 *
 * @example
 * ```ts
 * const data = new LzmaSectionStream();
 * const section = data.compress(rawData); // integer(length) + LZMA2 chunks, or undefined
 * ```
 */
export class LzmaSectionStream {
  private readonly lzma = new LzmaEncoder();
  private readonly rc = new RangeEncoder();
  private started = false;

  /**
   * The compressed form of `section` (`integer(section.length)` then the next piece of the stream)
   * when it is smaller than `section`; otherwise undefined, and the stream is as before the call.
   */
  compress(section: Uint8Array): Uint8Array | undefined {
    if (section.length < 16) return undefined;
    const snapshot = this.lzma.snapshot();
    this.lzma.append(section);
    const limit = section.length;
    const out = new ByteWriter(Math.min(limit, 1 << 16) + 64);
    writeInteger(out, section.length);
    if (!this.started) out.bytes(XZ_HEADERS);
    let first = !this.started;
    let consumed = 0;
    while (this.lzma.remaining > 0 && out.length < limit && !hopeless(consumed, out.length)) {
      this.rc.reset();
      const size = this.lzma.encodeChunk(this.rc, CHUNK_COMPRESSED - CHUNK_SLACK, CHUNK_UNCOMPRESSED);
      consumed += size;
      this.rc.flush();
      const packed = this.rc.bytes();
      out.byte((first ? LZMA2_FIRST : LZMA2_NEXT) | ((size - 1) >>> 16));
      out.byte(((size - 1) >>> 8) & 0xff);
      out.byte((size - 1) & 0xff);
      out.byte((packed.length - 1) >>> 8);
      out.byte((packed.length - 1) & 0xff);
      if (first) out.byte(LZMA_PROPS);
      out.bytes(packed);
      first = false;
    }
    if (this.lzma.remaining > 0 || out.length >= limit) {
      this.lzma.restore(snapshot);
      return undefined;
    }
    this.started = true;
    return out.view().slice();
  }
}

/** A window's three sections, and which of them (`Delta_Indicator` bits) are compressed. */
export interface PackedSections {
  data: Uint8Array;
  inst: Uint8Array;
  addr: Uint8Array;
  indicator: number;
}

/**
 * xdelta3's LZMA secondary compression for a whole delta: three section streams, each section
 * compressed only when that makes it smaller.
 *
 * @example
 * ```ts
 * const lzma = new LzmaSecondary();
 * const { data, inst, addr, indicator } = lzma.pack(rawData, rawInst, rawAddr); // per window, in order
 * ```
 */
export class LzmaSecondary {
  private readonly streams = [new LzmaSectionStream(), new LzmaSectionStream(), new LzmaSectionStream()];
  /** Whether any section was compressed so far. */
  used = false;

  pack(data: Uint8Array, inst: Uint8Array, addr: Uint8Array): PackedSections {
    const [d, i, a] = this.streams as [LzmaSectionStream, LzmaSectionStream, LzmaSectionStream];
    const packedData = d.compress(data);
    const packedInst = i.compress(inst);
    const packedAddr = a.compress(addr);
    if (packedData || packedInst || packedAddr) this.used = true;
    return {
      data: packedData ?? data,
      inst: packedInst ?? inst,
      addr: packedAddr ?? addr,
      indicator:
        (packedData ? VCD_DATACOMP : 0) | (packedInst ? VCD_INSTCOMP : 0) | (packedAddr ? VCD_ADDRCOMP : 0),
    };
  }
}
