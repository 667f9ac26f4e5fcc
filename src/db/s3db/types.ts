/**
 * The stored forms of s3db.js's own types (facts from its 21.x format; no code of its own):
 * embeddings `^[a,b,...]` (signed base62 of value·10^6 each), money `$` + base62 of value·10^d
 * (`money` d = 2, `crypto` d = 8, `money:d`), fixed-point decimals `^` + signed base62 of value·10^p
 * (`decimal` p = 2, `decimal:p`), latitudes and longitudes `~` + base62 of (value + 90 | 180)·10^p (p = 6),
 * points `~lat~lon`, and IPv4/IPv6 addresses as base64 of their 4 or 16 bytes.
 */
import { base62 } from './values.js';

/** What `decodeS3dbType` returns when the definition is not one of these types. */
export const NOT_MINE: unique symbol = Symbol('not an s3db.js-only type');

const digitsOf = (definition: string, type: string, fallback: number) => {
  const found = new RegExp(`${type}:(\\d+)`).exec(definition);
  return found ? Number(found[1]) : fallback;
};

const signed = (text: string) => (text.startsWith('-') ? -base62(text.slice(1)) : base62(text));

/** `^[a,b,...]` → numbers (an item that does not decode is NaN, as s3db.js has it). */
export function decodeEmbedding(text: string): number[] {
  const inner = text.slice(2, -1);
  if (inner === '') return [];
  return inner.split(',').map((part) => (part === '' ? Number.NaN : signed(part) / 1e6));
}

const latitude = (text: string, precision: number) => base62(text) / 10 ** precision - 90;
const longitude = (text: string, precision: number) => base62(text) / 10 ** precision - 180;

function ipv4(text: string): string | undefined {
  const bytes = bytesOf(text);
  return bytes?.length === 4 ? Array.from(bytes).join('.') : undefined;
}

/** 16 bytes → the address with each group's leading zeros dropped and the longest run (≥ 2) of zero groups as `::`. */
function ipv6(text: string): string | undefined {
  const bytes = bytesOf(text);
  if (bytes?.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === '0') end++;
    if (end - i >= 2 && end - i > best.length) best = { start: i, length: end - i };
    i = end;
  }
  if (best.start < 0) return groups.join(':');
  const before = groups.slice(0, best.start).join(':');
  const after = groups.slice(best.start + best.length).join(':');
  return `${before}::${after}`;
}

function bytesOf(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const finite = (n: number, text: string) => (Number.isNaN(n) ? text : n);

/**
 * A stored value of one of s3db.js's own types back to what its `get()` returns, or `NOT_MINE` when
 * `definition` is none of them. A value that does not have the type's form comes back as stored.
 *
 * @example
 * ```ts
 * decodeS3dbType('$1Bc', 'money'); // 5248.3
 * decodeS3dbType('~2Ufh6E~4dS6xo', 'geo:point'); // { latitude: 38.7, longitude: -9.1 }
 * ```
 */
export function decodeS3dbType(text: string, definition: string): unknown {
  const type = definition.split('|')[0]!;
  // number arrays of 256 items or more are stored like embeddings
  if (type === 'embedding' || type.startsWith('embedding:') || type === 'array')
    return text.startsWith('^[') ? decodeEmbedding(text) : NOT_MINE;
  if (type === 'money' || type.startsWith('money:') || type === 'crypto' || type.startsWith('crypto:')) {
    if (!text.startsWith('$')) return text;
    const d = type.startsWith('crypto') ? digitsOf(type, 'crypto', 8) : digitsOf(type, 'money', 2);
    return finite(base62(text.slice(1)) / 10 ** d, text);
  }
  if (type === 'decimal' || type.startsWith('decimal:')) {
    if (!text.startsWith('^')) return text;
    const body = text.slice(1);
    return body === '0' ? 0 : finite(signed(body) / 10 ** digitsOf(type, 'decimal', 2), text);
  }
  if (type.startsWith('geo:lat') || type.startsWith('geo:lon')) {
    if (!text.startsWith('~')) return text;
    const precision = digitsOf(type, type.slice(0, 7), 6);
    const n = type.startsWith('geo:lat')
      ? latitude(text.slice(1), precision)
      : longitude(text.slice(1), precision);
    return finite(n, text);
  }
  if (type.startsWith('geo:point')) {
    const parts = text.split('~').filter((part) => part.length > 0);
    const precision = digitsOf(type, 'geo:point', 6);
    if (parts.length !== 2) return { latitude: Number.NaN, longitude: Number.NaN };
    return { latitude: latitude(parts[0]!, precision), longitude: longitude(parts[1]!, precision) };
  }
  if (type === 'ip4') return ipv4(text) ?? text;
  if (type === 'ip6') return text.length === 24 ? (ipv6(text) ?? text) : text;
  return NOT_MINE;
}
