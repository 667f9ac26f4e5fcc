/**
 * The variable-length numbers of the sketches-go binary encoding (the format LakeRunner stores in
 * `chq_sketch`): uvarint64, zig-zag varint64, varfloat64 and float64 little-endian. Written from the
 * format's description; integers are JavaScript numbers, which is enough for sketch bin indexes (int32)
 * and bin counts (the decoder refuses anything above 2^53).
 */
import { BucketkitError } from '../../errors.js';

/** A growable byte buffer the encoder appends to. */
export class ByteWriter {
  private bytes = new Uint8Array(64);
  private length = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
  }

  all(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.byte(values[i] as number);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A cursor over the bytes being decoded; every read past the end is `Corrupt`. */
export class ByteReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  byte(): number {
    if (this.offset >= this.bytes.length)
      throw corrupt(this.offset, 'the sketch ends in the middle of a value');
    return this.bytes[this.offset++] as number;
  }
}

export function corrupt(offset: number, why: string): BucketkitError {
  return new BucketkitError('Corrupt', `DDSketch bytes are not valid at byte ${offset}: ${why}`, {
    details: { offset },
  });
}

const MAX_VAR_LEN = 9;
const TWO_POW_7 = 128;

/** Appends an unsigned integer, 7 bits per byte low bits first; the 9th byte carries 8 bits. */
export function writeUvarint(out: ByteWriter, value: number): void {
  let v = value;
  for (let i = 0; i < MAX_VAR_LEN - 1 && v >= 0x80; i++) {
    out.byte((v % TWO_POW_7) | 0x80);
    v = Math.floor(v / TWO_POW_7);
  }
  out.byte(v);
}

/** Number of bytes `writeUvarint` writes for `value`. */
export function uvarintSize(value: number): number {
  let size = 1;
  let v = value;
  while (v >= 0x80 && size < MAX_VAR_LEN) {
    v = Math.floor(v / TWO_POW_7);
    size++;
  }
  return size;
}

export function readUvarint(input: ByteReader): number {
  const start = input.offset;
  let value = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    const n = input.byte();
    if (n < 0x80 || i === MAX_VAR_LEN - 1) {
      value += n * scale;
      break;
    }
    value += (n & 0x7f) * scale;
    scale *= TWO_POW_7;
  }
  if (value > Number.MAX_SAFE_INTEGER) throw corrupt(start, 'an integer is larger than 2^53');
  return value;
}

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

/** Appends a signed integer zig-zag encoded (small magnitudes, either sign, take few bytes). */
export function writeVarint(out: ByteWriter, value: number): void {
  writeUvarint(out, zigzag(value));
}

export function varintSize(value: number): number {
  return uvarintSize(zigzag(value));
}

export function readVarint(input: ByteReader): number {
  const u = readUvarint(input);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

const scratch = new DataView(new ArrayBuffer(8));

export function writeFloat64LE(out: ByteWriter, value: number): void {
  scratch.setFloat64(0, value, true);
  for (let i = 0; i < 8; i++) out.byte(scratch.getUint8(i));
}

export function readFloat64LE(input: ByteReader): number {
  if (input.remaining < 8) throw corrupt(input.offset, 'a float64 is cut short');
  for (let i = 0; i < 8; i++) scratch.setUint8(i, input.byte());
  return scratch.getFloat64(0, true);
}

const MASK64 = (1n << 64n) - 1n;
const ONE_BITS = 0x3ff0000000000000n;
const ROTATE = 6n;

function float64Bits(value: number): bigint {
  scratch.setFloat64(0, value, true);
  return scratch.getBigUint64(0, true);
}

function bitsToFloat64(bits: bigint): number {
  scratch.setBigUint64(0, bits & MASK64, true);
  return scratch.getFloat64(0, true);
}

/**
 * The varfloat64 bytes of `value`: (value + 1) as bits, minus the bits of 1, rotated left by 6, then
 * written 7 bits at a time from the most significant end (the 9th byte carries 8 bits). Small
 * non-negative integers (bin counts) take one or two bytes.
 */
function varfloatBytes(value: number): number[] {
  const shifted = (float64Bits(value + 1) - ONE_BITS) & MASK64;
  let x = ((shifted << ROTATE) | (shifted >> (64n - ROTATE))) & MASK64;
  const bytes: number[] = [];
  for (let i = 0; i < MAX_VAR_LEN - 1; i++) {
    const n = Number(x >> 57n);
    x = (x << 7n) & MASK64;
    if (x === 0n) {
      bytes.push(n);
      return bytes;
    }
    bytes.push(n | 0x80);
  }
  bytes.push(Number(x >> 56n));
  return bytes;
}

// Counts are nearly always small integers: their bytes are computed once.
const SMALL_COUNTS = 1024;
const smallCountBytes: number[][] = Array.from({ length: SMALL_COUNTS }, (_, i) => varfloatBytes(i));

function cachedVarfloat(value: number): number[] {
  if (Number.isInteger(value) && value >= 0 && value < SMALL_COUNTS)
    return smallCountBytes[value] as number[];
  return varfloatBytes(value);
}

export function writeVarfloat(out: ByteWriter, value: number): void {
  out.all(cachedVarfloat(value));
}

export function varfloatSize(value: number): number {
  return cachedVarfloat(value).length;
}

export function readVarfloat(input: ByteReader): number {
  let x = 0n;
  let shift = 57n;
  for (let i = 0; ; i++) {
    const n = input.byte();
    if (i === MAX_VAR_LEN - 1) {
      x |= BigInt(n);
      break;
    }
    if (n < 0x80) {
      x |= BigInt(n) << shift;
      break;
    }
    x |= BigInt(n & 0x7f) << shift;
    shift -= 7n;
  }
  const unrotated = ((x >> ROTATE) | (x << (64n - ROTATE))) & MASK64;
  return bitsToFloat64((unrotated + ONE_BITS) & MASK64) - 1;
}
