/**
 * Bounds-checked reading and growable writing of byte sections. Every read past the end is a typed
 * `Corrupt` error, so a truncated or lying delta can never read outside its buffer.
 */
import { bkError } from '../../errors.js';

/** Reads bytes and VCDIFF integers from `buffer[start, end)`. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buffer: Uint8Array,
    start = 0,
    readonly end = buffer.length,
    readonly what = 'delta',
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw truncated(this.what);
    return this.buffer[this.pos++] as number;
  }

  bytes(length: number): Uint8Array {
    if (length > this.end - this.pos) throw truncated(this.what);
    const out = this.buffer.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** A reader over the next `length` bytes; this reader moves past them. */
  section(length: number, what: string): ByteReader {
    if (length > this.end - this.pos) throw truncated(this.what);
    const reader = new ByteReader(this.buffer, this.pos, this.pos + length, what);
    this.pos += length;
    return reader;
  }
}

function truncated(what: string) {
  return bkError('Corrupt', `VCDIFF ${what} is truncated`, { details: { section: what } });
}

/** An append-only byte buffer that doubles its capacity as it grows. */
export class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
