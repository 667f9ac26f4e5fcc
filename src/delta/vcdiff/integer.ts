/**
 * VCDIFF integers (RFC 3284 §2): base-128 digits, most significant first, the high bit set on every
 * byte but the last. Values are limited to `Number.MAX_SAFE_INTEGER` so arithmetic on them stays exact.
 */
import { bkError } from '../../errors.js';
import type { ByteReader, ByteWriter } from './bytes.js';

/** Eight 7-bit digits already exceed 2^53; a longer integer can only be garbage. */
const MAX_DIGITS = 8;

/**
 * Reads one VCDIFF integer.
 *
 * @example
 * ```ts
 * readInteger(new ByteReader(Uint8Array.of(0x81, 0x00))); // 128
 * ```
 */
export function readInteger(reader: ByteReader): number {
  let value = 0;
  for (let digit = 0; digit < MAX_DIGITS; digit++) {
    const byte = reader.byte();
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (value > Number.MAX_SAFE_INTEGER) break;
      return value;
    }
  }
  throw bkError('Corrupt', `VCDIFF integer in the ${reader.what} is too large`);
}

/** How many bytes `value` takes as a VCDIFF integer. */
export function integerSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/**
 * Appends `value` (a non-negative safe integer) as a VCDIFF integer.
 *
 * @example
 * ```ts
 * const out = new ByteWriter();
 * writeInteger(out, 128); // out.view() = 81 00
 * ```
 */
export function writeInteger(out: ByteWriter, value: number): void {
  const size = integerSize(value);
  for (let shift = size - 1; shift >= 0; shift--) {
    const digit = Math.floor(value / 128 ** shift) % 128;
    out.byte(shift === 0 ? digit : digit | 0x80);
  }
}
