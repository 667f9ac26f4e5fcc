/**
 * Decoding the fields of TAR header blocks and PAX records, for the parser. Every function reports a
 * malformed field through `corrupt`, which builds the parser's typed error (entry index and offset).
 */
import type { BucketkitError } from '../errors.js';
import { FIELD, fromUtf8 } from './tar-format.js';

/** Builds the error for a malformed field; the caller throws it. */
export type Fail = (message: string) => BucketkitError;

const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0": POSIX, has a prefix field

/** A NUL-terminated text field. */
export function field(block: Uint8Array, [start, length]: readonly [number, number]): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return fromUtf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Parses `"<length> <key>=<value>\n"` records. */
export function parsePaxRecords(
  data: Uint8Array,
  corrupt: Fail,
  sparse: () => BucketkitError,
): Map<string, string> {
  const records = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let length = 0;
    let q = p;
    while (q < data.length && data[q]! >= 0x30 && data[q]! <= 0x39 && q - p < 16) {
      length = length * 10 + (data[q]! - 0x30);
      q++;
    }
    if (q === p || data[q] !== 0x20 || length <= q - p + 1 || p + length > data.length) {
      throw corrupt(`malformed PAX record at byte ${p} of the extension header`);
    }
    const record = data.subarray(q + 1, p + length);
    const eq = record.indexOf(0x3d);
    if (eq <= 0 || record[record.length - 1] !== 0x0a) {
      throw corrupt(`malformed PAX record at byte ${p} of the extension header`);
    }
    const key = fromUtf8.decode(record.subarray(0, eq));
    if (key.startsWith('GNU.sparse.')) {
      throw sparse();
    }
    records.set(key, fromUtf8.decode(record.subarray(eq + 1, record.length - 1)));
    p += length;
  }
  return records;
}

/** A PAX decimal size. */
export function parseDecimal(value: string, corrupt: Fail): number {
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw corrupt(`PAX size "${value.slice(0, 40)}" is not a decimal size`);
  }
  return Number(value);
}

/** The entry name of a header block: ustar's prefix joined to the name field. */
export function headerName(block: Uint8Array): string {
  const name = field(block, FIELD.name);
  if (!USTAR_MAGIC.every((b, i) => block[FIELD.magic[0] + i] === b)) return name;
  const prefix = field(block, FIELD.prefix);
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** An octal (NUL/space padded) or GNU base-256 numeric field. */
export function parseNumber(
  block: Uint8Array,
  [start, length]: readonly [number, number],
  what: string,
  corrupt: Fail,
): number {
  const first = block[start]!;
  if (first & 0x80) {
    if (first === 0xff) throw corrupt(`negative ${what} field`);
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + block[start + i]!;
      if (value > Number.MAX_SAFE_INTEGER) throw corrupt(`absurd ${what} field`);
    }
    return value;
  }
  let i = start;
  let end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  while (end > i && (block[end - 1] === 0x20 || block[end - 1] === 0)) end--;
  let value = 0;
  for (; i < end; i++) {
    const b = block[i]!;
    if (b < 0x30 || b > 0x37) throw corrupt(`${what} field is not octal`);
    value = value * 8 + (b - 0x30);
  }
  return value;
}
