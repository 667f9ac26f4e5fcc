/**
 * The sketches-go binary encoding of a DDSketch (`sketch.Encode(&buf, false)`, what LakeRunner stores in
 * `chq_sketch`). A sketch is a run of blocks, each opening with a flag byte: the low 2 bits name the block
 * type (0 sketch features, 1 positive store, 2 index mapping, 3 negative store), the high 6 bits a subflag.
 * - `0b000001_00` zero count: varfloat64.
 * - `0b000000_10` logarithmic mapping: gamma and index offset as float64 LE (other interpolations exist
 *   in the format and are refused as `Unsupported`).
 * - store subflag 1, index deltas and counts: uvarint n, then n × (varint index delta, varfloat count).
 * - store subflag 2, index deltas (counts of 1): uvarint n, then n × varint index delta.
 * - store subflag 3, contiguous counts: uvarint n, varint first index, varint index step, n × varfloat.
 * The encoder writes the zero count (when not 0), the mapping, then each non-empty store, choosing
 * contiguous or sparse by size as sketches-go does, so the bytes are the same as sketches-go's.
 */
import { BucketkitError } from '../../errors.js';
import { LogarithmicMapping } from './mapping.js';
import { DDSketch } from './sketch.js';
import { DenseStore } from './store.js';
import {
  ByteReader,
  ByteWriter,
  corrupt,
  readFloat64LE,
  readUvarint,
  readVarfloat,
  readVarint,
  uvarintSize,
  varfloatSize,
  varintSize,
  writeFloat64LE,
  writeUvarint,
  writeVarfloat,
  writeVarint,
} from './varint.js';

const TYPE_FEATURES = 0b00;
const TYPE_POSITIVE = 0b01;
const TYPE_MAPPING = 0b10;
const TYPE_NEGATIVE = 0b11;
const FLAG_ZERO_COUNT = (1 << 2) | TYPE_FEATURES;
const FLAG_MAPPING_LOG = (0 << 2) | TYPE_MAPPING;
const BINS_DELTAS_AND_COUNTS = 1;
const BINS_DELTAS = 2;
const BINS_CONTIGUOUS = 3;

const MIN_INT32 = -(2 ** 31);
const MAX_INT32 = 2 ** 31 - 1;

/**
 * Encodes a sketch as sketches-go does with the index mapping included.
 *
 * @example
 * ```ts
 * const s = new DDSketch();
 * s.add(1);
 * encodeSketch(s).length; // 21
 * ```
 */
export function encodeSketch(sketch: DDSketch): Uint8Array {
  const out = new ByteWriter();
  if (sketch.zeroCount !== 0) {
    out.byte(FLAG_ZERO_COUNT);
    writeVarfloat(out, sketch.zeroCount);
  }
  out.byte(FLAG_MAPPING_LOG);
  writeFloat64LE(out, sketch.mapping.gamma);
  writeFloat64LE(out, sketch.mapping.indexOffset);
  encodeStore(out, sketch.positive, TYPE_POSITIVE);
  encodeStore(out, sketch.negative, TYPE_NEGATIVE);
  return out.result();
}

function encodeStore(out: ByteWriter, store: DenseStore, type: number): void {
  if (store.isEmpty) return;
  const { minIndex, maxIndex } = store;
  const numBins = maxIndex - minIndex + 1;
  // Sizes as sketches-go estimates them (the sparse estimate counts the first delta from minIndex,
  // though the sparse writer encodes it from 0): the same choice gives the same bytes.
  let dense = uvarintSize(numBins) + varintSize(minIndex) + varintSize(1);
  let sparse = 0;
  let nonEmpty = 0;
  let previous = minIndex;
  for (let index = minIndex; index <= maxIndex; index++) {
    const count = store.count(index);
    const size = varfloatSize(count);
    dense += size;
    if (count !== 0) {
      nonEmpty++;
      sparse += varintSize(index - previous) + size;
      previous = index;
    }
  }
  sparse += uvarintSize(nonEmpty);
  if (dense <= sparse) {
    out.byte((BINS_CONTIGUOUS << 2) | type);
    writeUvarint(out, numBins);
    writeVarint(out, minIndex);
    writeVarint(out, 1);
    for (let index = minIndex; index <= maxIndex; index++) writeVarfloat(out, store.count(index));
    return;
  }
  out.byte((BINS_DELTAS_AND_COUNTS << 2) | type);
  writeUvarint(out, nonEmpty);
  previous = 0;
  for (let index = minIndex; index <= maxIndex; index++) {
    const count = store.count(index);
    if (count === 0) continue;
    writeVarint(out, index - previous);
    writeVarfloat(out, count);
    previous = index;
  }
}

/** Options of {@link decodeSketch}. */
export interface DecodeSketchOptions {
  /** The mapping to use when the bytes omit it (sketches-go's `omitIndexMapping`). */
  mapping?: LogarithmicMapping;
}

/**
 * Decodes sketches-go bytes. Every malformed input is a `Corrupt` `BucketkitError` naming the byte
 * offset (never a raw error, never an unbounded allocation); a non-logarithmic mapping is `Unsupported`.
 *
 * @example
 * ```ts
 * const sketch = decodeSketch(row.chq_sketch);
 * sketch.quantile(0.95);
 * ```
 */
export function decodeSketch(bytes: Uint8Array, options: DecodeSketchOptions = {}): DDSketch {
  const input = new ByteReader(bytes);
  const positive = new DenseStore();
  const negative = new DenseStore();
  let zeroCount = 0;
  let mapping: LogarithmicMapping | undefined;
  while (input.remaining > 0) {
    const at = input.offset;
    const flag = input.byte();
    const type = flag & 0b11;
    const subflag = flag >> 2;
    if (type === TYPE_FEATURES) {
      if (subflag !== 1) throw corrupt(at, `unknown sketch feature flag 0x${flag.toString(16)}`);
      zeroCount += countAt(input);
    } else if (type === TYPE_MAPPING) {
      if (subflag !== 0) {
        throw new BucketkitError(
          'Unsupported',
          `DDSketch index mapping with interpolation ${subflag} at byte ${at}: only the logarithmic mapping (LakeRunner's) is read`,
        );
      }
      if (mapping !== undefined) throw corrupt(at, 'a second index mapping');
      const gamma = readFloat64LE(input);
      const offset = readFloat64LE(input);
      if (!(gamma > 1) || !Number.isFinite(gamma) || !Number.isFinite(offset)) {
        throw corrupt(at, `index mapping gamma ${gamma} / offset ${offset} is not usable`);
      }
      mapping = new LogarithmicMapping(gamma, offset);
    } else {
      decodeBins(input, subflag, type === TYPE_POSITIVE ? positive : negative, at);
    }
  }
  const chosen = mapping ?? options.mapping;
  if (chosen === undefined) throw corrupt(bytes.length, 'the sketch holds no index mapping');
  return new DDSketch(chosen, { positive, negative, zeroCount });
}

function countAt(input: ByteReader): number {
  const at = input.offset;
  const count = readVarfloat(input);
  if (!(count >= 0) || !Number.isFinite(count)) throw corrupt(at, `a count is ${count}`);
  return count;
}

function decodeBins(input: ByteReader, subflag: number, store: DenseStore, at: number): void {
  const n = readUvarint(input);
  // Each bin takes at least one byte: a larger count cannot be honest, and is refused before looping.
  if (n > input.remaining) throw corrupt(at, `${n} bins announced, ${input.remaining} bytes left`);
  const addAt = (index: number, count: number, where: number): void => {
    if (index < MIN_INT32 || index > MAX_INT32) throw corrupt(where, `bin index ${index} is outside int32`);
    try {
      store.add(index, count);
    } catch (err) {
      if (BucketkitError.is(err, 'InvalidArgument')) throw corrupt(where, err.message);
      throw err;
    }
  };
  if (subflag === BINS_DELTAS_AND_COUNTS || subflag === BINS_DELTAS) {
    let index = 0;
    for (let i = 0; i < n; i++) {
      const where = input.offset;
      index += readVarint(input);
      addAt(index, subflag === BINS_DELTAS ? 1 : countAt(input), where);
    }
    return;
  }
  if (subflag !== BINS_CONTIGUOUS) throw corrupt(at, `unknown bin encoding ${subflag}`);
  let index = readVarint(input);
  const step = readVarint(input);
  for (let i = 0; i < n; i++) {
    const where = input.offset;
    addAt(index, countAt(input), where);
    index += step;
  }
}
