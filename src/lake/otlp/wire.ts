import { type BucketkitError, bkError } from '../../errors.js';

/** Protobuf wire types this reader accepts (groups, 3 and 4, are not used by proto3 and are refused). */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

// ignoreBOM: a string field (a log body, an attribute) that starts with U+FEFF keeps it: it is data
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const MAX_FIELD = 2 ** 29 - 1;
const DOUBLE = new Float64Array(1);
const DOUBLE_BYTES = new Uint8Array(DOUBLE.buffer);

/**
 * A bounds-checked reader of protobuf wire format over one message's bytes. Every malformed input (a varint
 * longer than 10 bytes, a length beyond the message, a wire type that does not fit the field, a field
 * number 0, an unknown wire type) is a `Corrupt` `BucketkitError` naming the offset; nothing reads past
 * `end`, nothing allocates more than the bytes it was given.
 *
 * @example
 * ```ts
 * const reader = new ProtoReader(bytes, 'logs.binpb');
 * while (reader.more()) {
 *   if (reader.tag() === 1) readResourceLogs(reader.nested());
 *   else reader.skip(reader.wire);
 * }
 * ```
 */
export class ProtoReader {
  pos: number;
  end: number;
  /** The last tag's field number and wire type (set by `tag()`). */
  field = 0;
  wire = 0;

  constructor(
    readonly buf: Uint8Array,
    /** Names the input in error messages (usually the object key). */
    readonly source: string,
    start = 0,
    end = buf.length,
    /** Where `buf` starts within the whole input, for offsets in error messages. */
    readonly base = 0,
  ) {
    this.pos = start;
    this.end = end;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  corrupt(what: string, at = this.pos): BucketkitError {
    return bkError(
      'Corrupt',
      `${this.source} is not a valid OTLP protobuf message: ${what} at byte ${this.base + at}; the file is damaged or not an OTLP export request`,
      { details: { key: this.source, offset: this.base + at } },
    );
  }

  /**
   * A varint read as an unsigned number (tags, lengths, counts, enums); exact up to 2^53, and larger
   * values stay larger than any length or field number, so the callers' range checks refuse them.
   */
  uint(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw this.corrupt('a varint runs past the end', start);
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) {
        if (shift === 63 && byte > 1) throw this.corrupt('a varint overflows 64 bits', start);
        return result;
      }
    }
    throw this.corrupt('a varint is longer than 10 bytes', start);
  }

  /** A varint read as a signed 64-bit integer (`int64`). */
  int64(): bigint {
    const start = this.pos;
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw this.corrupt('a varint runs past the end', start);
      const byte = this.buf[this.pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= (bits & 0x0f) << 28;
        high |= bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) {
        if (shift === 63 && byte > 1) throw this.corrupt('a varint overflows 64 bits', start);
        return BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
      }
    }
    throw this.corrupt('a varint is longer than 10 bytes', start);
  }

  /** Reads a field's tag into `field` and `wire`, and returns the field number. */
  tag(): number {
    const at = this.pos;
    const key = this.uint();
    const field = Math.floor(key / 8);
    if (field === 0 || field > MAX_FIELD) throw this.corrupt(`field number ${field} is out of range`, at);
    this.field = field;
    this.wire = key % 8;
    return field;
  }

  /** Throws `Corrupt` unless field `name` came with wire type `wanted`. */
  expect(wire: number, wanted: number, name: string): void {
    if (wire !== wanted) throw this.corrupt(`field ${name} has wire type ${wire}, not ${wanted}`);
  }

  /** A length-delimited field's extent `[start, end)`, checked against the message's end. */
  span(): [number, number] {
    const at = this.pos;
    const length = this.uint();
    if (length > this.end - this.pos) {
      throw this.corrupt(`a length of ${length} bytes runs past the end (${this.end - this.pos} left)`, at);
    }
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  /** A reader over a nested message. */
  nested(): ProtoReader {
    const [start, end] = this.span();
    return new ProtoReader(this.buf, this.source, start, end, this.base);
  }

  string(): string {
    const [start, end] = this.span();
    return decodeUtf8(this.buf, start, end);
  }

  /** The bytes of a `bytes` field (a view, not a copy). */
  bytes(): Uint8Array {
    const [start, end] = this.span();
    return this.buf.subarray(start, end);
  }

  fixed64(): bigint {
    if (this.end - this.pos < 8) throw this.corrupt('a fixed64 runs past the end');
    const low = this.uint32le(this.pos);
    const high = this.uint32le(this.pos + 4);
    this.pos += 8;
    return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
  }

  double(): number {
    if (this.end - this.pos < 8) throw this.corrupt('a double runs past the end');
    for (let i = 0; i < 8; i++) DOUBLE_BYTES[i] = this.buf[this.pos + i]!;
    this.pos += 8;
    return DOUBLE[0]!;
  }

  private uint32le(at: number): number {
    const b = this.buf;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }

  /** Skips a field of an unknown number (forward compatibility), checking its wire type and extent. */
  skip(wire: number): void {
    if (wire === WIRE.varint) this.uint();
    else if (wire === WIRE.bytes) this.span();
    else if (wire === WIRE.fixed64 || wire === WIRE.fixed32) {
      const size = wire === WIRE.fixed64 ? 8 : 4;
      if (this.end - this.pos < size) throw this.corrupt('a fixed-size field runs past the end');
      this.pos += size;
    } else throw this.corrupt(`wire type ${wire} is not valid in OTLP`);
  }
}

/** UTF-8 text of `buf[start, end)`; short ASCII strings skip TextDecoder, which costs more than they do. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let out = '';
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      if (byte >= 0x80) return utf8.decode(buf.subarray(start, end));
      out += String.fromCharCode(byte);
    }
    return out;
  }
  return utf8.decode(buf.subarray(start, end));
}
