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
  SECONDARY_NAMES,
  VCD_ADLER32,
  VCD_APPHEADER,
  VCD_CODETABLE,
  VCD_DATACOMP,
  VCD_DECOMPRESS,
  VCD_SOURCE,
  VCD_TARGET,
} from './format.js';
import { readInteger } from './integer.js';

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
 * Decodes the window at `reader`'s position. `targetSoFar` is the output of the earlier windows, for
 * VCD_TARGET (undefined when streaming: such windows are then `Unsupported`); `budget` is how many more
 * target bytes are allowed.
 */
export function decodeWindow(
  reader: ByteReader,
  source: Uint8Array,
  targetSoFar: Uint8Array | undefined,
  budget: number,
  header: Header,
  cache: AddressCache,
): Uint8Array {
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
  const data = body.section(dataLength, 'data section');
  const inst = body.section(instLength, 'instruction section');
  const addr = body.section(addrLength, 'address section');
  if (body.remaining !== 0) throw bkError('Corrupt', 'VCDIFF window length does not match its sections');
  if (compressed !== 0) rejectSecondary(compressed, header);

  const target = new Uint8Array(targetLength);
  cache.reset();
  runInstructions(DEFAULT_CODE_TABLE, segment, target, data, inst, addr, cache);
  if (checksum !== undefined && adler32(target) !== checksum) {
    throw bkError('Corrupt', 'VCDIFF window checksum (Adler-32) does not match the decoded bytes');
  }
  return target;
}

function rejectSecondary(compressed: number, header: Header): never {
  if (compressed & ~7 || header.secondary === undefined) {
    throw bkError('Corrupt', `VCDIFF delta indicator is invalid (0x${compressed.toString(16)})`);
  }
  const name = SECONDARY_NAMES[header.secondary] ?? `id ${header.secondary}`;
  const sections = compressed & VCD_DATACOMP ? 'data' : compressed & 2 ? 'instruction' : 'address';
  throw bkError(
    'Unsupported',
    `VCDIFF secondary compression (${name}, ${sections} section) is not supported: no LZMA/xz decoder is ` +
      'installed; re-encode with `xdelta3 -S none`',
    { details: { secondary: name } },
  );
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
