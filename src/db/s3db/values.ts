/**
 * The value encodings of s3db.js buckets, decoded (facts from its 21.x format; no code of its own):
 * the client's string layer on every metadata value (`null`/`undefined` words, `d:` dictionary, `u:`
 * percent-encoding, `b:` base64) and the type-aware layer chosen by an attribute's definition string
 * (base62 integers, decimals, datetimes, booleans, `|`-joined arrays, JSON, compact uuids...).
 */

import { bkError } from '../../errors.js';

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = new Map([...BASE62].map((c, i) => [c, i]));

/** A base62 integer (`-` prefix for negatives; `''` is 0); NaN when a character is not base62. */
export function base62(text: string): number {
  if (text === '') return 0;
  const negative = text.startsWith('-');
  let n = 0;
  for (const c of negative ? text.slice(1) : text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) return Number.NaN;
    n = n * 62 + digit;
  }
  return negative ? -n : n;
}

/** A decimal: base62 integer part, then `.` and the fraction digits verbatim (`c.5` = 12.5). */
export function base62Decimal(text: string): number {
  const negative = text.startsWith('-');
  const [whole = '', fraction] = (negative ? text.slice(1) : text).split('.');
  const integer = base62(whole);
  if (Number.isNaN(integer)) return Number.NaN;
  const n = fraction ? Number(`${integer}.${fraction}`) : integer;
  return negative ? -n : n;
}

/** The base36 metadata key of attribute index `n` (0 → `0`, 10 → `a`, 36 → `10`). */
export const attributeKey = (n: number) => n.toString(36);

// The client's dictionary: whole values (content types, status words) and URL prefixes.
const WORDS: Record<string, string> = {
  j: 'application/json',
  X: 'application/xml',
  J: 'application/ld+json',
  H: 'text/html',
  T: 'text/plain',
  C: 'text/css',
  V: 'text/javascript',
  v: 'text/csv',
  P: 'image/png',
  I: 'image/jpeg',
  G: 'image/gif',
  S: 'image/svg+xml',
  W: 'image/webp',
  Q: 'application/pdf',
  z: 'application/zip',
  o: 'application/octet-stream',
  u: 'application/x-www-form-urlencoded',
  F: 'multipart/form-data',
  w: 'font/woff',
  f: 'font/woff2',
  p: 'processing',
  c: 'completed',
  s: 'succeeded',
  x: 'cancelled',
  t: 'timeout',
  r: 'retrying',
  a: 'authorized',
  K: 'captured',
  R: 'refunded',
  d: 'declined',
  h: 'shipped',
  D: 'delivered',
  e: 'returned',
  i: 'in_transit',
  n: 'initialized',
  m: 'terminated',
};
// 'failed' shares the code f with font/woff2 in the writer's table; a reader cannot tell them apart,
// and the writer's lookup of the combined table yields the status word for f.
WORDS.f = 'failed';
const PREFIXES: Record<string, string> = {
  '1': '/api/v1/',
  '2': '/api/v2/',
  '3': '/api/v3/',
  a: '/api/',
  A: 'https://api.example.com/',
  H: 'https://api.',
  W: 'https://www.',
  h: 'https://',
  t: 'http://',
  s: 'https://s3.amazonaws.com/',
  S: 'https://s3-',
  L: 'http://localhost:',
  l: 'http://localhost',
  v: '/v1/',
  u: '/users/',
  p: '/products/',
};

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Undoes the client's string layer on a metadata value. */
export function clientDecode(value: string): unknown {
  if (value === 'null') return null;
  if (value === 'undefined') return undefined;
  if (value.startsWith('d:')) {
    const code = value.slice(2);
    if (code.startsWith('@') && code.length >= 2) {
      const prefix = PREFIXES[code[1]!];
      if (prefix !== undefined) return prefix + code.slice(2);
    } else if (WORDS[code] !== undefined) {
      return WORDS[code];
    }
    return value;
  }
  if (value.length > 2 && value.startsWith('u:')) {
    try {
      return decodeURIComponent(value.slice(2));
    } catch {
      return value;
    }
  }
  if (value.length > 2 && value.startsWith('b:')) {
    try {
      return utf8.decode(Uint8Array.from(atob(value.slice(2)), (c) => c.charCodeAt(0)));
    } catch {
      return value; // not base64: a value that only looks encoded
    }
  }
  return value;
}

const tryJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Splits a `|`-joined array whose items escape `\` and `|` with a backslash. */
export function splitArray(text: string): string[] {
  if (text === '') return [];
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) current += text[++i];
    else if (c === '|') {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items;
}

/** A stored base62 time as a Date; `Corrupt` when it is none (s3db.js's own read throws a RangeError). */
function instant(ms: number, stored: string, type: string): Date {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    throw bkError('Corrupt', `"${stored.slice(0, 40)}" is not the base62 time s3db.js stores a ${type} as`, {
      details: { type, stored: stored.slice(0, 80) },
    });
  }
  return date;
}

const is = (definition: string, type: string) =>
  definition === type || definition.startsWith(`${type}|`) || definition.startsWith(`${type}:`);

/**
 * A stored value of an attribute back to what s3db.js returns, by the attribute's definition string.
 * `secret` values come back still encrypted: the reader decrypts them (it has the passphrase).
 */
export function decodeTyped(value: unknown, definition: string | undefined): unknown {
  if (typeof value !== 'string' || definition === undefined) return value;
  const def = definition;
  if (def.includes('array')) {
    if (value.trim().startsWith('[')) {
      const parsed = tryJson(value);
      if (Array.isArray(parsed)) return parsed;
    }
    const items = splitArray(value);
    if (def.includes('items:number')) {
      const integer = /\|integer\b|integer:true/.test(def);
      return items.map((item) => (integer || !item.includes('.') ? base62(item) : base62Decimal(item)));
    }
    return items;
  }
  if (is(def, 'secret') || def.startsWith('password')) return value;
  if (value === '') return value;
  if (def.includes('datetime')) return instant(base62(value), value, 'datetime').toISOString();
  if (def.includes('dateonly'))
    return instant(base62(value) * 86_400_000, value, 'dateonly')
      .toISOString()
      .slice(0, 10);
  if (is(def, 'uuid') && value.length === 24 && !value.includes('-')) {
    const hex = [0, 6, 12, 18]
      .map((i) =>
        base62(value.slice(i, i + 6))
          .toString(16)
          .padStart(8, '0'),
      )
      .join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (def.includes('number') && !def.includes('decimal')) {
    const integer = /\|integer\b|integer:true/.test(def);
    const n = integer ? base62(value) : base62Decimal(value);
    return Number.isNaN(n) ? undefined : n;
  }
  if (def.includes('boolean') || is(def, 'bool')) return ['true', '1', 'yes', 'y'].includes(value);
  if (def.includes('json') || def.includes('object')) return tryJson(value);
  if (value === '[object Object]') return {};
  if (value.startsWith('{') || value.startsWith('[')) return tryJson(value);
  return value;
}
