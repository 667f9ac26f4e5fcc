/**
 * xdelta3's LZMA secondary compression. Each compressed section is `integer(inflated length)` followed
 * by the next piece of one xz stream (LZMA2, no check) per kind of section: the data sections of all
 * windows form one stream, the instruction sections another, the address sections a third. The first
 * piece carries the stream and block headers; every piece ends with a sync flush, and the stream is
 * never finished. So a window's sections can only be inflated after those of the earlier windows.
 * Inflated sizes are capped by what each window's target length allows.
 */
import { bkError } from '../../errors.js';
import { ByteReader } from './bytes.js';
import type { WindowParts } from './decoder.js';
import { VCD_ADDRCOMP, VCD_DATACOMP, VCD_INSTCOMP } from './format.js';
import { readInteger } from './integer.js';
import { inflateXz } from './xz.js';

/**
 * Most bytes an instruction or address section may take per target byte: one opcode plus an 8-byte
 * integer, more than any encoder writes.
 */
const BYTES_PER_TARGET_BYTE = 10;
const SLACK = 1024;

type SectionName = 'data' | 'inst' | 'addr';

const KINDS: ReadonlyArray<{ bit: number; name: SectionName; what: string; code: boolean }> = [
  { bit: VCD_DATACOMP, name: 'data', what: 'data section', code: false },
  { bit: VCD_INSTCOMP, name: 'inst', what: 'instruction section', code: true },
  { bit: VCD_ADDRCOMP, name: 'addr', what: 'address section', code: true },
];

/**
 * Inflates consecutive LZMA-compressed sections of one kind (one xz stream cut into pieces). Section
 * `i` may not declare more than `limits[i]` inflated bytes; the xz decoder stops at the declared total.
 *
 * @example
 * ```ts
 * const [data1, data2] = await inflateSections([w1.data, w2.data], [w1.targetLength, w2.targetLength], 'data section');
 * ```
 */
export async function inflateSections(
  sections: readonly Uint8Array[],
  limits: readonly number[],
  what: string,
): Promise<Uint8Array[]> {
  const lengths: number[] = [];
  const pieces: Uint8Array[] = [];
  let total = 0;
  let compressed = 0;
  sections.forEach((section, i) => {
    const reader = new ByteReader(section, 0, section.length, what);
    const length = readInteger(reader);
    const limit = limits[i] ?? 0;
    if (length > limit) {
      throw bkError(
        'Corrupt',
        `VCDIFF ${what} declares ${length} inflated bytes, more than its window allows`,
        {
          details: { section: what, length, limit },
        },
      );
    }
    lengths.push(length);
    pieces.push(section.subarray(reader.pos));
    total += length;
    compressed += reader.remaining;
  });
  const joined = new Uint8Array(compressed);
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.length;
  }
  const inflated = await inflateXz(joined, total, what);
  let from = 0;
  return lengths.map((length) => {
    const out = inflated.subarray(from, from + length);
    from += length;
    return out;
  });
}

/**
 * Returns `windows` with every secondary-compressed section inflated (and `compressed` cleared). Takes
 * all the windows of a delta at once, in order, since each kind of section is one continuous stream.
 *
 * @example
 * ```ts
 * for (const parts of await inflateWindows(windows)) output.bytes(buildWindow(parts, cache));
 * ```
 */
export async function inflateWindows(windows: readonly WindowParts[]): Promise<WindowParts[]> {
  const out = windows.map((parts): WindowParts => ({ ...parts, compressed: 0 }));
  for (const kind of KINDS) {
    const members = windows.flatMap((parts, i) => (parts.compressed & kind.bit ? [i] : []));
    if (members.length === 0) continue;
    const sections = members.map((i) => (windows[i] as WindowParts)[kind.name]);
    const limits = members.map((i) => {
      const length = (windows[i] as WindowParts).targetLength;
      return kind.code ? BYTES_PER_TARGET_BYTE * length + SLACK : length;
    });
    const inflated = await inflateSections(sections, limits, kind.what);
    members.forEach((i, j) => {
      (out[i] as WindowParts)[kind.name] = inflated[j] as Uint8Array;
    });
  }
  return out;
}
