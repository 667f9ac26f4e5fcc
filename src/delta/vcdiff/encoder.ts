/**
 * The VCDIFF encoder. The target is cut into windows of at most 8 MiB; each window is matched against
 * the whole reference and against itself, then written with the default code table, the default
 * address caches, VCD_SOURCE naming just the slice of the reference the window copies from, and
 * xdelta3's Adler-32 so `xdelta3 -d` verifies every window.
 */
import { bkError } from '../../errors.js';
import { AddressCache, type EncodedAddress } from './address-cache.js';
import { adler32 } from './adler32.js';
import { ByteWriter } from './bytes.js';
import { ADD, COPY, DEFAULT_OPCODES, RUN } from './code-table.js';
import {
  ENCODER_WINDOW_SIZE,
  MAGIC,
  SECONDARY_LZMA,
  VCD_ADLER32,
  VCD_APPHEADER,
  VCD_DECOMPRESS,
  VCD_SOURCE,
} from './format.js';
import { SourceIndex } from './hash-index.js';
import { integerSize, writeInteger } from './integer.js';
import { LzmaSecondary } from './lzma-sections.js';
import { findMatches, type MatchSettings, type Op } from './match-finder.js';
import { CopyHistory } from './match-parts.js';
import { TargetIndex } from './target-index.js';

export interface EncodeOptions {
  /** Target bytes per window, 1 KiB to 16 MiB (xdelta3 3.0.11's limit). Default 8 MiB. */
  windowSize?: number;
  /** Write xdelta3's per-window Adler-32 (not in RFC 3284, but every xdelta3 reads it). Default true. */
  checksum?: boolean;
  /** Effort, 1 (fast) to 9 (smallest deltas). Default 9. */
  level?: number;
  /**
   * xdelta3's application header (`<target>/<comp>/<source>/<comp>`): with `G` for gzip, `xdelta3 -d`
   * gunzips the source and gzips what it rebuilds. Default none.
   */
  appHeader?: Uint8Array;
  /**
   * xdelta3's secondary compression of each window's sections: `'lzma'` (what `xdelta3 -S lzma`, its
   * default, writes; a section is compressed only when that makes it smaller) or `'none'` (default, so
   * the synchronous `decodeDelta` reads the result; LZMA needs `decodeDeltaAsync`).
   */
  secondary?: 'lzma' | 'none';
}

const MAX_ENCODER_WINDOW = 16 * 1024 * 1024;

/**
 * Like xdelta3 -9 (which indexes every 2nd reference position), level 9 samples the reference and
 * keeps the index small enough to stay mostly in cache; it does not index the target inside copies.
 * Lower levels sample more sparsely and walk shorter chains: faster, bigger deltas.
 */
function settingsFor(level: number): MatchSettings {
  if (level <= 3) {
    return { sourceChain: 4, targetChain: 2, sourceStep: 8, sourceSpread: 8, indexTail: 4 };
  }
  if (level <= 6) {
    return { sourceChain: 16, targetChain: 8, sourceStep: 4, sourceSpread: 8, indexTail: 8 };
  }
  return { sourceChain: 32, targetChain: 16, sourceStep: 2, sourceSpread: 8, indexTail: 16 };
}

function fileHeader(appHeader: Uint8Array | undefined, lzma: boolean): Uint8Array {
  const out = new ByteWriter(16 + (appHeader?.length ?? 0));
  out.bytes(MAGIC);
  out.byte((appHeader ? VCD_APPHEADER : 0) | (lzma ? VCD_DECOMPRESS : 0));
  if (lzma) out.byte(SECONDARY_LZMA);
  if (appHeader) {
    writeInteger(out, appHeader.length);
    out.bytes(appHeader);
  }
  return out.view().slice();
}

/** Encodes a target window by window against one reference (shared by the whole and streaming APIs). */
export interface VcdiffEncoder {
  /** Target bytes per window. */
  readonly windowSize: number;
  /** The file header (magic and `Hdr_Indicator`), written once before the windows. */
  header(): Uint8Array;
  /**
   * The header for a delta whose windows are all written: without the secondary compressor's id
   * when no section used it, so such a delta is the same as one encoded without secondary compression.
   */
  finalHeader(): Uint8Array;
  /** One window holding `window` (at most `windowSize` bytes). */
  window(window: Uint8Array): Uint8Array;
}

/**
 * An encoder against `source`; validates the options.
 *
 * @example
 * ```ts
 * const encoder = createVcdiffEncoder(reference);
 * const parts = [encoder.header(), encoder.window(firstWindow), encoder.window(secondWindow)];
 * ```
 */
export function createVcdiffEncoder(source: Uint8Array, options: EncodeOptions = {}): VcdiffEncoder {
  const windowSize = options.windowSize ?? ENCODER_WINDOW_SIZE;
  const level = options.level ?? 9;
  if (!Number.isInteger(windowSize) || windowSize < 1024 || windowSize > MAX_ENCODER_WINDOW) {
    throw bkError('InvalidArgument', `windowSize must be an integer from 1024 to ${MAX_ENCODER_WINDOW}`);
  }
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw bkError('InvalidArgument', 'level must be an integer from 1 to 9');
  }
  const settings = settingsFor(level);
  const checksum = options.checksum ?? true;
  const secondary = options.secondary ?? 'none';
  if (secondary !== 'lzma' && secondary !== 'none') {
    throw bkError('InvalidArgument', 'secondary must be "lzma" or "none"');
  }
  const lzma = secondary === 'lzma' ? new LzmaSecondary() : undefined;
  let sourceIndex: SourceIndex | undefined;
  const cache = new AddressCache();
  const history = new CopyHistory();
  return {
    windowSize,
    header: () => fileHeader(options.appHeader, lzma !== undefined),
    finalHeader: () => fileHeader(options.appHeader, lzma?.used === true),
    window(window) {
      if (window.length > windowSize) {
        throw bkError('InvalidArgument', `a window holds at most ${windowSize} bytes`);
      }
      sourceIndex ??= new SourceIndex(source, settings.sourceStep, settings.sourceSpread);
      const end = window.length;
      const index = new TargetIndex(window, 0, end);
      const ops = findMatches(source, sourceIndex, window, index, 0, end, settings, history);
      history.moveOn(end);
      const out = new ByteWriter(256 + (end >>> 4));
      writeWindow(out, window, 0, end, ops, cache, checksum, lzma);
      return out.view().slice();
    },
  };
}

/**
 * Encodes `target` as a VCDIFF delta against `source`; `xdelta3 -d -s source` restores it.
 *
 * @example
 * ```ts
 * const delta = encodeVcdiff(reference, nextVersion);
 * ```
 */
export function encodeVcdiff(
  source: Uint8Array,
  target: Uint8Array,
  options: EncodeOptions = {},
): Uint8Array {
  const encoder = createVcdiffEncoder(source, options);
  const out = new ByteWriter(1024 + (target.length >>> 4));
  let start = 0;
  do {
    const end = Math.min(target.length, start + encoder.windowSize);
    out.bytes(encoder.window(target.subarray(start, end)));
    start = end;
  } while (start < target.length);
  const header = encoder.finalHeader();
  const delta = new Uint8Array(header.length + out.length);
  delta.set(header);
  delta.set(out.view(), header.length);
  return delta;
}

function writeWindow(
  out: ByteWriter,
  target: Uint8Array,
  start: number,
  end: number,
  ops: Op[],
  cache: AddressCache,
  checksum: boolean,
  lzma: LzmaSecondary | undefined,
): void {
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const op of ops) {
    if (op.kind === COPY && op.fromSource) {
      low = Math.min(low, op.address);
      high = Math.max(high, op.address + op.length);
    }
  }
  const hasSource = high > 0;
  const segmentStart = hasSource ? low : 0;
  const segmentLength = hasSource ? high - low : 0;
  const sections = writeSections(target, start, ops, cache, segmentStart, segmentLength);
  const raw = [sections.data.view(), sections.inst.view(), sections.addr.view()] as const;
  const { data, inst, addr, indicator } = lzma
    ? lzma.pack(...raw)
    : { data: raw[0], inst: raw[1], addr: raw[2], indicator: 0 };
  const targetLength = end - start;
  const encodingLength =
    integerSize(targetLength) +
    1 +
    integerSize(data.length) +
    integerSize(inst.length) +
    integerSize(addr.length) +
    (checksum ? 4 : 0) +
    data.length +
    inst.length +
    addr.length;
  out.byte((hasSource ? VCD_SOURCE : 0) | (checksum ? VCD_ADLER32 : 0));
  if (hasSource) {
    writeInteger(out, segmentLength);
    writeInteger(out, segmentStart);
  }
  writeInteger(out, encodingLength);
  writeInteger(out, targetLength);
  out.byte(indicator);
  writeInteger(out, data.length);
  writeInteger(out, inst.length);
  writeInteger(out, addr.length);
  if (checksum) {
    const sum = adler32(target.subarray(start, end));
    out.byte(sum >>> 24);
    out.byte((sum >>> 16) & 0xff);
    out.byte((sum >>> 8) & 0xff);
    out.byte(sum & 0xff);
  }
  out.bytes(data);
  out.bytes(inst);
  out.bytes(addr);
}

interface Sections {
  data: ByteWriter;
  inst: ByteWriter;
  addr: ByteWriter;
}

/** Writes the three sections, merging ADD+COPY and COPY+ADD pairs the default table has opcodes for. */
function writeSections(
  target: Uint8Array,
  start: number,
  ops: Op[],
  cache: AddressCache,
  segmentStart: number,
  segmentLength: number,
): Sections {
  const s: Sections = { data: new ByteWriter(), inst: new ByteWriter(), addr: new ByteWriter() };
  cache.reset();
  const encodeAddress = (op: Op): EncodedAddress => {
    const here = segmentLength + (op.start - start);
    const address = op.fromSource ? op.address - segmentStart : segmentLength + (op.address - start);
    return cache.encode(address, here);
  };
  const single = (inst: number, size: number, mode: number) => {
    const code = DEFAULT_OPCODES.single(inst, size, mode);
    if (code >= 0) {
      s.inst.byte(code);
      return;
    }
    s.inst.byte(DEFAULT_OPCODES.single(inst, 0, mode));
    writeInteger(s.inst, size);
  };
  const writeAddress = (a: EncodedAddress) => {
    if (a.isByte) s.addr.byte(a.value);
    else writeInteger(s.addr, a.value);
  };
  /** Writes a COPY, merged with a following 1-byte ADD when possible; returns the ops consumed. */
  const copy = (op: Op, a: EncodedAddress, following: Op | undefined): number => {
    writeAddress(a);
    if (following?.kind === ADD && following.length === 1) {
      const code = DEFAULT_OPCODES.copyAdd(op.length, a.mode, 1);
      if (code >= 0) {
        s.inst.byte(code);
        s.data.byte(target[following.start] as number);
        return 2;
      }
    }
    single(COPY, op.length, a.mode);
    return 1;
  };

  let i = 0;
  while (i < ops.length) {
    const op = ops[i] as Op;
    if (op.kind === RUN) {
      s.data.byte(target[op.start] as number);
      single(RUN, op.length, 0);
      i++;
    } else if (op.kind === COPY) {
      i += copy(op, encodeAddress(op), ops[i + 1]);
    } else {
      s.data.bytes(target.subarray(op.start, op.start + op.length));
      const next = ops[i + 1];
      if (next?.kind !== COPY) {
        single(ADD, op.length, 0);
        i++;
        continue;
      }
      const a = encodeAddress(next);
      const code = DEFAULT_OPCODES.addCopy(op.length, next.length, a.mode);
      if (code >= 0) {
        s.inst.byte(code);
        writeAddress(a);
        i += 2;
      } else {
        single(ADD, op.length, 0);
        i += 1 + copy(next, a, ops[i + 2]);
      }
    }
  }
  return s;
}
