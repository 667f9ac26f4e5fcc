/**
 * The metadata value codec: any JSON value ↔ one printable-ASCII string, as compact as we can make it
 * and never ambiguous.
 *
 * A stored value that does not start with `~` is a string, stored verbatim. Everything else is `~` plus
 * a one-letter tag plus a payload. A user string that starts with `~`, has an edge space, is empty or is
 * not printable ASCII is itself tagged (`~s`, `~p`, `~b`), so no user string can pass for an encoded
 * value. The encoder tries every form that fits and keeps the shortest; each compact form is used only
 * when decoding it gives back the exact input.
 *
 * | tag | value | payload |
 * |---|---|---|
 * | `s` | string | the text as is (printable ASCII, no trailing space) |
 * | `p` | string | the text with `%`, non-ASCII and a trailing space as `%XX` UTF-8 bytes |
 * | `b` | string | base64url of the UTF-8 bytes |
 * | `w` | string | one character: an entry of {@link DICTIONARY} |
 * | `h` | string | one character naming a URL prefix of {@link URL_PREFIXES}, then the rest verbatim |
 * | `T` / `S` | ISO timestamp `…:ss.sssZ` / `…:ssZ` | base36 of ms / s since 1970 |
 * | `D` | date `YYYY-MM-DD` | base36 of days since 1970 |
 * | `u` / `U` | lower / upper case UUID | base64url of its 16 bytes |
 * | `x` / `X` | lower / upper case hex, even length | base64url of its bytes |
 * | `n` `t` `f` | null, true, false | none |
 * | `i` | safe integer | base36, `-` for negatives |
 * | `d` | any other number | its shortest decimal form (`-0`, `1.5`, `1e300`) |
 * | `e` | any other number | the digits of that form in base36, `.`, the decimal exponent (`2**60` → `~e…`) |
 * | `F` / `G` | array of numbers | base64url of little-endian float32 / float64 values |
 * | `j` / `J` | array or object | JSON, `%`-escaped as for `p` / base64url |
 * | `o` | (no value) | decimal depth: the field's enclosing objects exist up to that depth |
 */
import { bkError } from '../../errors.js';
import { fromBase64Url, fromUtf8, isWellFormed, toBase64Url, utf8 } from './base.js';
import {
  base36,
  CODES,
  compactHex,
  compactScientific,
  compactTime,
  compactUrl,
  corrupt,
  DAY_MS,
  DICTIONARY,
  DICTIONARY_CODES,
  decodeScientific,
  floatBytes,
  floatsFromBytes,
  hexOf,
  isoAt,
  URL_PREFIXES,
  uuidFromBytes,
} from './compact.js';

export { DICTIONARY, URL_PREFIXES };

const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Encodes one value for metadata. `undefined` has no stored form: leave such fields out.
 * Throws `InvalidArgument` for what JSON cannot carry exactly (NaN, Infinity, lone surrogates, Dates,
 * class instances, `undefined` inside arrays).
 *
 * @example
 * ```ts
 * encodeValue('2024-05-01T12:00:00.000Z'); // '~Tlvn3lf40'
 * encodeValue('~not a tag');               // '~s~not a tag'
 * decodeValue(encodeValue(-0));            // -0
 * ```
 */
export function encodeValue(value: unknown): string {
  if (typeof value === 'string') return encodeString(value);
  if (value === null) return '~n';
  if (value === true) return '~t';
  if (value === false) return '~f';
  if (typeof value === 'number') return encodeNumber(value);
  if (Array.isArray(value) || isPlainObject(value)) return encodeStructure(value);
  throw unsupported(value);
}

/**
 * Decodes what {@link encodeValue} wrote. Throws `Corrupt` on anything it cannot have written.
 *
 * @example
 * ```ts
 * decodeValue('~i2n9c'); // 123456
 * ```
 */
export function decodeValue(token: string): unknown {
  if (!token.startsWith('~')) return token;
  const tag = token[1];
  const payload = token.slice(2);
  switch (tag) {
    case 's':
      return payload;
    case 'p':
      return unescapePercent(payload);
    case 'b':
      return fromUtf8(fromBase64Url(payload));
    case 'w': {
      const word = DICTIONARY[CODES.indexOf(payload)];
      if (payload.length !== 1 || word === undefined) throw corrupt(token);
      return word;
    }
    case 'h': {
      const prefix = URL_PREFIXES[CODES.indexOf(payload[0] ?? '')];
      if (prefix === undefined) throw corrupt(token);
      return prefix + payload.slice(1);
    }
    case 'T':
      return isoAt(base36(payload, token), token);
    case 'S':
      return isoAt(base36(payload, token) * 1000, token).replace('.000Z', 'Z');
    case 'D':
      return isoAt(base36(payload, token) * DAY_MS, token).slice(0, 10);
    case 'u':
    case 'U':
      return uuidFromBytes(hexOf(fromBase64Url(payload), 16, token), tag === 'U');
    case 'x':
      return hexOf(fromBase64Url(payload), undefined, token);
    case 'X':
      return hexOf(fromBase64Url(payload), undefined, token).toUpperCase();
    case 'n':
    case 't':
    case 'f':
      if (payload !== '') throw corrupt(token);
      return tag === 'n' ? null : tag === 't';
    case 'i':
      return base36(payload, token);
    case 'd': {
      const number = payload === '' ? Number.NaN : Number(payload);
      if (!Number.isFinite(number)) throw corrupt(token);
      return number;
    }
    case 'e':
      return decodeScientific(payload, token);
    case 'F':
    case 'G':
      return floatsFromBytes(fromBase64Url(payload), tag === 'F' ? 4 : 8, token);
    case 'j':
      return parseJson(unescapePercent(payload), token);
    case 'J':
      return parseJson(fromUtf8(fromBase64Url(payload)), token);
    default:
      throw corrupt(token);
  }
}

/**
 * The shortest stored form of a string.
 *
 * @example
 * ```ts
 * encodeString('café'); // '~pcaf%C3%A9'
 * ```
 */
export function encodeString(text: string): string {
  if (!isWellFormed(text)) {
    throw bkError('InvalidArgument', 'the text holds a lone UTF-16 surrogate, which UTF-8 cannot store', {
      details: { text: text.slice(0, 64) },
    });
  }
  const printable = PRINTABLE.test(text);
  let best = printable && isVerbatim(text) ? text : undefined;
  const offer = (candidate: string | undefined) => {
    if (candidate !== undefined && (best === undefined || candidate.length < best.length)) best = candidate;
  };
  if (printable) {
    const code = DICTIONARY_CODES.get(text);
    if (code) offer(`~w${code}`);
    offer(compactUrl(text));
    offer(compactTime(text));
    offer(compactHex(text));
    if (!text.endsWith(' ')) offer(`~s${text}`);
  }
  offer(`~p${escapePercent(text)}`);
  offer(`~b${toBase64Url(utf8(text))}`);
  return best!;
}

/**
 * JSON text that keeps `-0` (as `-0`, which `JSON.parse` reads back exactly). Throws `InvalidArgument` for
 * values JSON cannot carry unchanged; `undefined` object properties are left out, as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * stringifyJson({ a: [-0, 1.5] }); // '{"a":[-0,1.5]}'
 * ```
 */
export function stringifyJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw unsupported(value);
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'string':
      if (!isWellFormed(value)) throw unsupported(value);
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value
      .map((item) => {
        if (item === undefined) throw unsupported(item, 'an array item');
        return stringifyJson(item);
      })
      .join(',')}]`;
  }
  if (isPlainObject(value)) {
    const parts: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!isWellFormed(key)) throw unsupported(key);
      parts.push(`${JSON.stringify(key)}:${stringifyJson(item)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw unsupported(value);
}

function isVerbatim(text: string): boolean {
  // HTTP drops spaces at either end of a header value, and `~` starts a tag
  return text.length > 0 && text[0] !== '~' && text[0] !== ' ' && !text.endsWith(' ');
}

function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw unsupported(value);
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return `~i${value.toString(36)}`;
  const decimal = `~d${Object.is(value, -0) ? '-0' : String(value).replace('e+', 'e')}`;
  const scientific = compactScientific(value);
  return scientific !== undefined && scientific.length < decimal.length ? scientific : decimal;
}

function encodeStructure(value: unknown[] | Record<string, unknown>): string {
  const json = stringifyJson(value);
  let best = `~j${escapePercent(json)}`;
  const encoded = `~J${toBase64Url(utf8(json))}`;
  if (encoded.length < best.length) best = encoded;
  if (Array.isArray(value) && value.length > 0 && value.every((n) => typeof n === 'number')) {
    const numbers = value as number[];
    const float32 = numbers.every((n) => Object.is(Math.fround(n), n));
    const packed = `~${float32 ? 'F' : 'G'}${toBase64Url(floatBytes(numbers, float32 ? 4 : 8))}`;
    if (packed.length < best.length) best = packed;
  }
  return best;
}

function escapePercent(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e && char !== '%') out += char;
    else for (const byte of utf8(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.endsWith(' ') ? `${out.slice(0, -1)}%20` : out;
}

function unescapePercent(payload: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const char = payload.charCodeAt(i);
    if (char === 0x25) {
      const byte = /^[0-9A-F]{2}$/.test(payload.slice(i + 1, i + 3))
        ? Number.parseInt(payload.slice(i + 1, i + 3), 16)
        : -1;
      if (byte < 0) throw corrupt(payload);
      bytes.push(byte);
      i += 2;
    } else if (char >= 0x20 && char <= 0x7e) bytes.push(char);
    else throw corrupt(payload);
  }
  return fromUtf8(new Uint8Array(bytes));
}

function parseJson(text: string, token: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw bkError('Corrupt', `stored JSON value does not parse: ${token.slice(0, 40)}`, { cause });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unsupported(value: unknown, what = 'a value') {
  const shown = typeof value === 'string' ? 'a string with a lone surrogate' : String(value);
  return bkError(
    'InvalidArgument',
    `${what} cannot be stored exactly: ${shown}; store JSON values (finite numbers, ISO date strings)`,
    {
      details: { type: typeof value },
    },
  );
}
