/**
 * The compact string formats of s3db.js 21.x (facts from its format; no code of its own). Each is a
 * base62 integer in a shape its own text never has, so a value s3db.js could not compact (it stores
 * those as given) reads back as stored:
 * `timeonly` milliseconds of the day (`HH:MM:SS.mmm`), `mac` 9 characters of the 48-bit address,
 * `cidr` 6 characters of the IPv4 address then the prefix length, `semver` major·10⁶ + minor·10³ + patch,
 * `phone` the digits after `+`, `color` 5 characters of the 24-bit RGB value, `duration` milliseconds
 * (read back as an ISO 8601 duration), `ean` a length digit (0 = 8, 1 = 13, 2 = 12, 3 = 14) then the number.
 */
import { bkError } from '../../errors.js';
import { NOT_MINE } from './types.js';
import { base62 } from './values.js';

/** The type of a definition string when it is one of these formats, else undefined. */
export function formatOf(definition: string): string | undefined {
  const head = definition.split('|')[0]!;
  return FORMATS[head] ? head : undefined;
}

/** A base62 integer that must be one (whole, not negative, below `limit`). */
function natural(text: string, type: string, limit = Number.MAX_SAFE_INTEGER + 1): number {
  const n = base62(text);
  if (!Number.isSafeInteger(n) || n < 0 || n >= limit) {
    throw bkError('Corrupt', `"${text}" is not the base62 number s3db.js stores a ${type} as`, {
      details: { type, stored: text },
    });
  }
  return n;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function timeonly(text: string): string {
  const total = natural(text, 'timeonly');
  const ms = total % 1000;
  const seconds = Math.floor(total / 1000);
  return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad(ms, 3)}`;
}

function duration(text: string): string {
  const ms = natural(text, 'duration');
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  let out = `P${days ? `${days}D` : ''}`;
  if (hours || minutes || seconds || millis) {
    out += `T${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}`;
    if (seconds || millis) out += millis ? `${seconds}.${pad(millis, 3)}S` : `${seconds}S`;
  }
  return out === 'P' ? 'PT0S' : out;
}

const EAN_LENGTHS: Record<string, number> = { '0': 8, '1': 13, '2': 12, '3': 14 };

/** Per format: the stored shape s3db.js compacts to, and how to read it back. */
const FORMATS: Record<string, { compact: (text: string) => boolean; read: (text: string) => string }> = {
  timeonly: { compact: (t) => t !== '', read: timeonly },
  mac: {
    compact: (t) => t.length === 9 && !t.includes(':'),
    read: (t) =>
      natural(t, 'mac', 2 ** 48)
        .toString(16)
        .padStart(12, '0')
        .replace(/(..)(?!$)/g, '$1:'),
  },
  cidr: {
    compact: (t) => t.length === 7 && !t.includes('.'),
    read: (t) => {
      const ip = natural(t.slice(0, 6), 'cidr', 2 ** 32);
      const bytes = [ip / 2 ** 24, ip / 2 ** 16, ip / 2 ** 8, ip].map((n) => Math.floor(n) % 256);
      return `${bytes.join('.')}/${natural(t.slice(6), 'cidr', 33)}`;
    },
  },
  semver: {
    compact: (t) => t !== '' && !t.includes('.'),
    read: (t) => {
      const n = natural(t, 'semver');
      return `${Math.floor(n / 1_000_000)}.${Math.floor((n % 1_000_000) / 1000)}.${n % 1000}`;
    },
  },
  phone: { compact: (t) => t !== '' && !t.startsWith('+'), read: (t) => `+${natural(t, 'phone')}` },
  color: {
    compact: (t) => t.length === 5 && !t.startsWith('#'),
    read: (t) =>
      `#${natural(t, 'color', 2 ** 24)
        .toString(16)
        .padStart(6, '0')}`,
  },
  duration: { compact: (t) => t !== '' && !t.startsWith('P'), read: duration },
  ean: {
    compact: (t) => /^[0-3]/.test(t) && !/^\d{8,14}$/.test(t),
    read: (t) => String(natural(t.slice(1), 'ean')).padStart(EAN_LENGTHS[t[0]!]!, '0'),
  },
};

/**
 * A stored value of one of these formats back to the text s3db.js's `get()` returns; `NOT_MINE` when
 * `definition` is none of them. `Corrupt` when a value in the compact shape is not base62.
 *
 * @example
 * ```ts
 * decodeS3dbFormat('0blXcA8', 'semver'); // '1.22.333'
 * decodeS3dbFormat('1.2.3-beta', 'semver'); // '1.2.3-beta' (stored as given)
 * ```
 */
export function decodeS3dbFormat(text: string, definition: string): string | typeof NOT_MINE {
  const type = formatOf(definition);
  if (type === undefined) return NOT_MINE;
  const format = FORMATS[type]!;
  return format.compact(text) ? format.read(text) : text;
}
