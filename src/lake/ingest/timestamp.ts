/**
 * Turns the timestamp values found in CSV, JSON lines and Parquet inputs into nanoseconds since the epoch,
 * with LakeRunner's heuristics: a bare number is seconds, milliseconds, microseconds or nanoseconds by its
 * size; a string is such a number or an RFC 3339 / ISO 8601 date (fractions kept to the nanosecond).
 */

const MS = 1_000_000n;

/**
 * Nanoseconds since the epoch for `value`, or `undefined` when it is not a timestamp.
 *
 * @example
 * ```ts
 * parseTimestampNs('2026-01-02T03:04:05.123456789Z'); // 1767323045123456789n
 * parseTimestampNs(1767323045); // seconds → 1767323045000000000n
 * ```
 */
export function parseTimestampNs(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return scaleEpoch(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    if (Number.isInteger(value)) return scaleEpoch(BigInt(value));
    // fractional seconds (e.g. 1767323045.25) or fractional milliseconds
    return value < 1e11 ? BigInt(Math.round(value * 1e6)) * 1000n : BigInt(Math.round(value * 1e3)) * 1000n;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return scaleEpoch(BigInt(text));
  if (/^\d+\.\d+$/.test(text)) return parseTimestampNs(Number(text));
  return parseDateText(text);
}

/** Seconds below 1e11, milliseconds below 1e14, microseconds below 1e17, else nanoseconds. */
function scaleEpoch(n: bigint): bigint | undefined {
  if (n <= 0n) return undefined;
  if (n < 100_000_000_000n) return n * 1_000_000_000n;
  if (n < 100_000_000_000_000n) return n * MS;
  if (n < 100_000_000_000_000_000n) return n * 1000n;
  return n;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?$/;

function parseDateText(text: string): bigint | undefined {
  const utc = parseUtcIso(text);
  if (utc !== undefined) return utc;
  const iso = ISO.exec(text);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = iso;
    const wholeMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (Number.isNaN(wholeMs) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59) {
      return undefined;
    }
    const offsetMs = zoneOffsetMs(zone);
    const nanos = BigInt(fraction.padEnd(9, '0') || '0');
    const ns = BigInt(wholeMs - offsetMs) * MS + nanos;
    return ns > 0n ? ns : undefined;
  }
  // other common forms (RFC 2822, "Jan 2 2026 03:04:05 GMT"): milliseconds are enough there
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms <= 0 ? undefined : BigInt(ms) * MS;
}

/**
 * The common form `YYYY-MM-DDTHH:MM:SS[.fraction]Z` without a regex (it is most of what JSON lines hold);
 * anything else, or anything out of range, is left to the general parser.
 */
function parseUtcIso(text: string): bigint | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90) return undefined; // 'Z'
  const sep = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 32) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  if (year < 0) return undefined;
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second < 0)
    return undefined;
  let nanos = 0;
  if (n > 20) {
    const digits = n - 21;
    if (text.charCodeAt(19) !== 46 || digits < 1 || digits > 9) return undefined;
    nanos = digitsAt(text, 20, digits);
    if (nanos < 0) return undefined;
    for (let k = digits; k < 9; k++) nanos *= 10;
  }
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  const ns = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  return ns > 0n ? ns : undefined;
}

/** The decimal number of `count` ASCII digits at `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** Milliseconds for nanoseconds (floor), as LakeRunner's `chq_timestamp`. */
export function nsToMs(ns: bigint): number {
  return Number(ns / MS);
}
