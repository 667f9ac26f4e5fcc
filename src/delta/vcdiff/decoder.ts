/**
 * The VCDIFF decoder: header, then window by window, each rebuilt from its source segment (a slice of
 * the reference with VCD_SOURCE, or of the target decoded so far with VCD_TARGET) and its three
 * sections. Reads xdelta3's extensions: the application header and per-window Adler-32.
 */
import { bkError } from '../../errors.js';
import { AddressCache } from './address-cache.js';
import { adler32 } from './adler32.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { ADD, COPY, type CodeTable, DEFAULT_CODE_TABLE, NOOP, RUN } from './code-table.js';
import {
  MAGIC,
  MAX_WINDOW_SIZE,
  SECONDARY_LZMA,
  SECONDARY_NAMES,
  VCD_ADDRCOMP,
  VCD_ADLER32,
  VCD_APPHEADER,
  VCD_CODETABLE,
  VCD_DATACOMP,
  VCD_DECOMPRESS,
  VCD_INSTCOMP,
  VCD_SOURCE,
  VCD_TARGET,
} from './format.js';
import { readInteger } from './integer.js';
import { inflateWindows } from './secondary.js';

export const DEFAULT_MAX_TARGET = 1024 * 1024 * 1024;

export interface DecodeOptions {
  /**
   * Refuse (with `Corrupt`) a delta whose target grows past this many bytes, before allocating it.
   * Default 1 GiB; pass the expected size when it is known (DeltaGlider's `dg-file-size`).
   */
  maxTargetSize?: number;
}

export interface DecodedDelta {
  target: Uint8Array;
  /** xdelta3's application header (usually `target//source/`), when the delta has one. */
  appHeader?: Uint8Array;
}

export interface Header {
  appHeader?: Uint8Array;
  secondary?: number;
}

/** Reads the file header: magic, `Hdr_Indicator`, secondary compressor id, xdelta3's app header. */
export function readHeader(reader: ByteReader): Header {
  for (const byte of MAGIC) {
    if (reader.byte() !== byte) throw bkError('Corrupt', 'not a VCDIFF delta (bad magic bytes)');
  }
  const indicator = reader.byte();
  if (indicator & ~(VCD_DECOMPRESS | VCD_CODETABLE | VCD_APPHEADER)) {
    throw bkError('Corrupt', `VCDIFF header indicator has unknown bits (0x${indicator.toString(16)})`);
  }
  const header: Header = {};
  if (indicator & VCD_DECOMPRESS) header.secondary = reader.byte();
  if (indicator & VCD_CODETABLE) {
    throw bkError('Unsupported', 'VCDIFF deltas with a custom code table are not supported');
  }
  if (indicator & VCD_APPHEADER) header.appHeader = reader.bytes(readInteger(reader)).slice();
  return header;
}

/**
 * Decodes a whole VCDIFF delta against `source`, also returning xdelta3's application header.
 *
 * @example
 * ```ts
 * const { target, appHeader } = decodeVcdiff(reference, delta);
 * ```
 */
export function decodeVcdiff(
  source: Uint8Array,
  delta: Uint8Array,
  options: DecodeOptions = {},
): DecodedDelta {
  const maxTarget = options.maxTargetSize ?? DEFAULT_MAX_TARGET;
  const reader = new ByteReader(delta);
  const header = readHeader(reader);
  const output = new ByteWriter();
  const cache = new AddressCache();
  while (reader.remaining > 0) {
    // The output so far is one buffer, so VCD_TARGET windows can refer to it without copying.
    const window = decodeWindow(reader, source, output.view(), maxTarget - output.length, header, cache);
    output.bytes(window);
  }
  const target = output.view().slice();
  return header.appHeader ? { target, appHeader: header.appHeader } : { target };
}

/**
 * Decodes a whole VCDIFF delta against `source`, inflating xdelta3's LZMA secondary compression (the
 * default of `xdelta3 -e`, so of every DeltaGlider delta). Otherwise identical to `decodeVcdiff`.
 *
 * @example
 * ```ts
 * const { target } = await decodeVcdiffAsync(reference, deltaGliderDelta);
 * ```
 */
export async function decodeVcdiffAsync(
  source: Uint8Array,
  delta: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedDelta> {
  const reader = new ByteReader(delta);
  const header = readHeader(reader);
  if (header.secondary === undefined) return decodeVcdiff(source, delta, options);
  const output = new ByteWriter();
  const budget = options.maxTargetSize ?? DEFAULT_MAX_TARGET;
  for await (const window of decodeCompressedWindows(reader, source, budget, header)) output.bytes(window);
  const target = output.view().slice();
  return header.appHeader ? { target, appHeader: header.appHeader } : { target };
}

/**
 * Decodes all the windows left in `reader` of a delta with secondary compression: reads them all, then
 * inflates each kind of section as one stream, then yields the target windows one by one. VCD_TARGET
 * windows (which xdelta3 never writes) are `Unsupported` here.
 */
export async function* decodeCompressedWindows(
  reader: ByteReader,
  source: Uint8Array,
  budget: number,
  header: Header,
): AsyncGenerator<Uint8Array> {
  const windows: WindowParts[] = [];
  while (reader.remaining > 0) {
    const parts = readWindow(reader, source, undefined, budget, header);
    budget -= parts.targetLength;
    windows.push(parts);
  }
  const cache = new AddressCache();
  for (const parts of await inflateWindows(windows)) yield buildWindow(parts, cache);
}

/** One window as read from the delta: its source segment and its three sections, maybe compressed. */
export interface WindowParts {
  segment: Uint8Array;
  targetLength: number;
  /** `Delta_Indicator`: which sections went through the secondary compressor (0 = none). */
  compressed: number;
  data: Uint8Array;
  inst: Uint8Array;
  addr: Uint8Array;
  /** xdelta3's Adler-32 of the target window, when the window carries one. */
  checksum?: number;
}

/**
 * Decodes the window at `reader`'s position. `targetSoFar` is the output of the earlier windows, for
 * VCD_TARGET (undefined when streaming: such windows are then `Unsupported`); `budget` is how many more
 * target bytes are allowed. Secondary-compressed windows are `Unsupported` here (this path is
 * synchronous; `decodeVcdiffAsync` and `decodeDeltaStream` inflate them).
 */
export function decodeWindow(
  reader: ByteReader,
  source: Uint8Array,
  targetSoFar: Uint8Array | undefined,
  budget: number,
  header: Header,
  cache: AddressCache,
): Uint8Array {
  const parts = readWindow(reader, source, targetSoFar, budget, header);
  if (parts.compressed !== 0) {
    throw bkError(
      'Unsupported',
      'VCDIFF secondary compression (LZMA) needs the asynchronous decoder: use decodeDeltaAsync or ' +
        'decodeDeltaStream',
      { details: { secondary: 'LZMA' } },
    );
  }
  return buildWindow(parts, cache);
}

/**
 * Reads (and checks) the window at `reader`'s position without decoding its instructions. Sections are
 * views into the delta. Throws `Unsupported` for secondary compressors other than LZMA.
 */
export function readWindow(
  reader: ByteReader,
  source: Uint8Array,
  targetSoFar: Uint8Array | undefined,
  budget: number,
  header: Header,
): WindowParts {
  const indicator = reader.byte();
  if (indicator & ~(VCD_SOURCE | VCD_TARGET | VCD_ADLER32) || (indicator & 3) === 3) {
    throw bkError('Corrupt', `VCDIFF window indicator is invalid (0x${indicator.toString(16)})`);
  }
  let segment: Uint8Array = new Uint8Array(0);
  if (indicator & (VCD_SOURCE | VCD_TARGET)) {
    const length = readInteger(reader);
    const position = readInteger(reader);
    const base = indicator & VCD_SOURCE ? source : targetSoFar;
    if (base === undefined) {
      throw bkError(
        'Unsupported',
        'VCD_TARGET windows cannot be decoded as a stream (they need the whole target)',
      );
    }
    if (position + length > base.length) {
      throw bkError('Corrupt', 'VCDIFF window refers past the end of its source', {
        details: { position, length, available: base.length },
      });
    }
    segment = base.subarray(position, position + length);
  }
  const encodingLength = readInteger(reader);
  // No valid window needs more than a few bytes of encoding per target byte; refusing early keeps a
  // streaming decoder from buffering a lie.
  if (encodingLength > 4 * MAX_WINDOW_SIZE + 1024) {
    throw bkError('Corrupt', `VCDIFF window declares an encoding of ${encodingLength} bytes`);
  }
  const body = reader.section(encodingLength, 'window');
  const targetLength = readInteger(body);
  if (targetLength > MAX_WINDOW_SIZE) {
    throw bkError(
      'Corrupt',
      `VCDIFF window declares ${targetLength} bytes, more than the ${MAX_WINDOW_SIZE} allowed`,
    );
  }
  if (targetLength > budget) {
    throw bkError('Corrupt', 'VCDIFF target is larger than the allowed maximum (maxTargetSize)', {
      details: { targetLength, budget },
    });
  }
  const compressed = body.byte();
  const dataLength = readInteger(body);
  const instLength = readInteger(body);
  const addrLength = readInteger(body);
  let checksum: number | undefined;
  if (indicator & VCD_ADLER32) {
    const b = body.bytes(4);
    checksum =
      (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>>
      0;
  }
  const data = body.bytes(dataLength);
  const inst = body.bytes(instLength);
  const addr = body.bytes(addrLength);
  if (body.remaining !== 0) throw bkError('Corrupt', 'VCDIFF window length does not match its sections');
  if (compressed !== 0) checkSecondary(compressed, header);
  const parts: WindowParts = { segment, targetLength, compressed, data, inst, addr };
  if (checksum !== undefined) parts.checksum = checksum;
  return parts;
}

/** Rebuilds the target window from uncompressed sections, checking its Adler-32 when present. */
export function buildWindow(parts: WindowParts, cache: AddressCache): Uint8Array {
  const target = new Uint8Array(parts.targetLength);
  cache.reset();
  runInstructions(
    DEFAULT_CODE_TABLE,
    parts.segment,
    target,
    new ByteReader(parts.data, 0, parts.data.length, 'data section'),
    new ByteReader(parts.inst, 0, parts.inst.length, 'instruction section'),
    new ByteReader(parts.addr, 0, parts.addr.length, 'address section'),
    cache,
  );
  if (parts.checksum !== undefined && adler32(target) !== parts.checksum) {
    throw bkError('Corrupt', 'VCDIFF window checksum (Adler-32) does not match the decoded bytes');
  }
  return target;
}

function checkSecondary(compressed: number, header: Header): void {
  if (compressed & ~(VCD_DATACOMP | VCD_INSTCOMP | VCD_ADDRCOMP) || header.secondary === undefined) {
    throw bkError('Corrupt', `VCDIFF delta indicator is invalid (0x${compressed.toString(16)})`);
  }
  if (header.secondary !== SECONDARY_LZMA) {
    const name = SECONDARY_NAMES[header.secondary] ?? `id ${header.secondary}`;
    throw bkError(
      'Unsupported',
      `VCDIFF secondary compression ${name} is not supported (LZMA is); re-encode with \`xdelta3 -S lzma\``,
      { details: { secondary: name } },
    );
  }
}

function runInstructions(
  table: CodeTable,
  segment: Uint8Array,
  target: Uint8Array,
  data: ByteReader,
  inst: ByteReader,
  addr: ByteReader,
  cache: AddressCache,
): void {
  const sourceLength = segment.length;
  let t = 0;
  while (inst.remaining > 0) {
    const op = inst.byte();
    for (let half = 0; half < 2; half++) {
      const kind = (half === 0 ? table.inst1[op] : table.inst2[op]) as number;
      if (kind === NOOP) continue;
      let size = (half === 0 ? table.size1[op] : table.size2[op]) as number;
      if (size === 0) size = readInteger(inst);
      if (size > target.length - t) {
        throw bkError('Corrupt', 'VCDIFF instruction writes past the end of its target window');
      }
      if (kind === ADD) {
        target.set(data.bytes(size), t);
      } else if (kind === RUN) {
        target.fill(data.byte(), t, t + size);
      } else if (kind === COPY) {
        const mode = (half === 0 ? table.mode1[op] : table.mode2[op]) as number;
        const here = sourceLength + t;
        const address = cache.decode(mode, here, addr);
        copy(segment, target, address, t, size);
      }
      t += size;
    }
  }
  if (t !== target.length || data.remaining !== 0 || addr.remaining !== 0) {
    throw bkError('Corrupt', 'VCDIFF window sections do not add up to its target length');
  }
}

/** COPY `size` bytes from address `address` of (segment ++ target) to `target[t..]`; may overlap. */
function copy(segment: Uint8Array, target: Uint8Array, address: number, t: number, size: number): void {
  const sourceLength = segment.length;
  if (address + size <= sourceLength) {
    target.set(segment.subarray(address, address + size), t);
    return;
  }
  if (address >= sourceLength) {
    const from = address - sourceLength;
    if (from + size <= t) {
      target.copyWithin(t, from, from + size);
      return;
    }
    for (let i = 0; i < size; i++) target[t + i] = target[from + i] as number;
    return;
  }
  for (let i = 0; i < size; i++) {
    const a = address + i;
    target[t + i] = (a < sourceLength ? segment[a] : target[a - sourceLength]) as number;
  }
}
