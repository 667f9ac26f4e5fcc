/**
 * The compact forms of the value codec: dictionary words, URL prefixes, timestamps and dates, UUIDs
 * and hex, packed float arrays, large numbers. Each encoder returns undefined when its form does not apply.
 */
import { bkError } from '../../errors.js';
import { toBase64Url } from './base.js';

/**
 * Whole values stored as `~w<code>`. Part of the stored format: append only, never reorder.
 * Codes are the characters of {@link CODES}, in order.
 */
export const DICTIONARY: readonly string[] = [
  'active',
  'inactive',
  'pending',
  'completed',
  'failed',
  'cancelled',
  'canceled',
  'processing',
  'approved',
  'rejected',
  'draft',
  'published',
  'archived',
  'deleted',
  'enabled',
  'disabled',
  'success',
  'error',
  'warning',
  'unknown',
  'default',
  'admin',
  'user',
  'guest',
  'open',
  'closed',
  'true',
  'false',
  'null',
  'none',
  'application/json',
  'application/octet-stream',
  'application/pdf',
  'application/xml',
  'text/plain',
  'text/html',
  'text/csv',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'video/mp4',
];

/** URL prefixes stored as `~h<code><rest>`. Part of the stored format: append only. Longest first. */
export const URL_PREFIXES: readonly string[] = ['https://www.', 'http://www.', 'https://', 'http://'];

export const CODES = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const DICTIONARY_CODES = new Map(DICTIONARY.map((word, index) => [word, CODES[index]!]));
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_S = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const HEX_LOWER = /^(?:[0-9a-f]{2}){4,}$/;
const HEX_UPPER = /^(?:[0-9A-F]{2}){4,}$/;
const BASE36 = /^-?[0-9a-z]{1,11}$/;
export const DAY_MS = 86_400_000;

/** `~e<base36 mantissa>.<decimal exponent>`: the digits of the shortest decimal form, so it reads back exactly. */
export function compactScientific(value: number): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  let power = Number(exponent) - fraction.length;
  const zeros = /0+$/.exec(digits)?.[0].length ?? 0;
  if (zeros > 0 && zeros < digits.length) {
    digits = digits.slice(0, -zeros);
    power += zeros;
  }
  const mantissa = Number(digits);
  if (!Number.isSafeInteger(mantissa)) return undefined;
  const payload = `${sign}${mantissa.toString(36)}.${power}`;
  return decodeScientific(payload, payload) === value ? `~e${payload}` : undefined;
}

/** Reads a `~e` payload. */
export function decodeScientific(payload: string, token: string): number {
  const match = /^(-?)([0-9a-z]{1,11})\.(-?\d{1,3})$/.exec(payload);
  const mantissa = match ? Number.parseInt(match[2]!, 36) : Number.NaN;
  const number = Number(`${match?.[1]}${mantissa}e${match?.[3]}`);
  if (!match || !Number.isSafeInteger(mantissa) || !Number.isFinite(number)) throw corrupt(token);
  return number;
}

/** `~h<code><rest>` when the text starts with a known URL prefix. */
export function compactUrl(text: string): string | undefined {
  const index = URL_PREFIXES.findIndex((prefix) => text.startsWith(prefix));
  return index < 0 || text.endsWith(' ')
    ? undefined
    : `~h${CODES[index]}${text.slice(URL_PREFIXES[index]!.length)}`;
}

/** `~T` / `~S` / `~D` for canonical ISO timestamps and dates that read back to the same text. */
export function compactTime(text: string): string | undefined {
  if (ISO_MS.test(text)) {
    const ms = Date.parse(text);
    if (Number.isSafeInteger(ms) && new Date(ms).toISOString() === text) return `~T${ms.toString(36)}`;
  } else if (ISO_S.test(text)) {
    const ms = Date.parse(text);
    if (Number.isSafeInteger(ms) && new Date(ms).toISOString().replace('.000Z', 'Z') === text) {
      return `~S${(ms / 1000).toString(36)}`;
    }
  } else if (ISO_DATE.test(text)) {
    const ms = Date.parse(`${text}T00:00:00.000Z`);
    if (Number.isSafeInteger(ms) && new Date(ms).toISOString().slice(0, 10) === text) {
      return `~D${(ms / DAY_MS).toString(36)}`;
    }
  }
  return undefined;
}

/** `~u` / `~U` for UUIDs, `~x` / `~X` for even-length hex of one case. */
export function compactHex(text: string): string | undefined {
  if (UUID_LOWER.test(text)) return `~u${toBase64Url(hexBytes(text.replaceAll('-', '')))}`;
  if (UUID_UPPER.test(text)) return `~U${toBase64Url(hexBytes(text.replaceAll('-', '')))}`;
  if (HEX_LOWER.test(text)) return `~x${toBase64Url(hexBytes(text))}`;
  if (HEX_UPPER.test(text)) return `~X${toBase64Url(hexBytes(text))}`;
  return undefined;
}

/** Hex text → bytes (the caller checked the text). */
export function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Bytes → lowercase hex, checking the length a tag implies. */
export function hexOf(bytes: Uint8Array, length: number | undefined, token: string): string {
  if ((length !== undefined && bytes.length !== length) || bytes.length < 4) throw corrupt(token);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** 32 hex digits → the 8-4-4-4-12 form. */
export function uuidFromBytes(hex: string, upper: boolean): string {
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return upper ? uuid.toUpperCase() : uuid;
}

/** A signed base36 safe integer, or `Corrupt`. */
export function base36(payload: string, token: string): number {
  const value = BASE36.test(payload) ? Number.parseInt(payload, 36) : Number.NaN;
  if (!Number.isSafeInteger(value) || (payload.startsWith('-') && value === 0)) throw corrupt(token);
  return value;
}

/** The ISO form of a time in ms, or `Corrupt` when out of the Date range. */
export function isoAt(ms: number, token: string): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw corrupt(token);
  return date.toISOString();
}

/** Numbers → little-endian float32 or float64 bytes. */
export function floatBytes(numbers: number[], width: 4 | 8): Uint8Array {
  const bytes = new Uint8Array(numbers.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < numbers.length; i++) {
    if (width === 4) view.setFloat32(i * 4, numbers[i]!, true);
    else view.setFloat64(i * 8, numbers[i]!, true);
  }
  return bytes;
}

/** The inverse of `floatBytes`; only finite numbers are accepted. */
export function floatsFromBytes(bytes: Uint8Array, width: 4 | 8, token: string): number[] {
  if (bytes.length === 0 || bytes.length % width !== 0) throw corrupt(token);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += width) {
    const n = width === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true);
    if (!Number.isFinite(n)) throw corrupt(token);
    out.push(n);
  }
  return out;
}

/** The error for a stored value the codec cannot have written. */
export function corrupt(token: string) {
  return bkError('Corrupt', `stored metadata value "${token.slice(0, 40)}" is not a bucketkit encoding`, {
    details: { value: token.slice(0, 200) },
  });
}
