/**
 * s3db.js 21.x's binary and compressed values (facts from its format; no code of its own).
 *
 * `buffer` and `bits[:N]` attributes: a value given as text is stored as it is and read as the bytes of
 * its base64; a Buffer or Uint8Array given to 21.6.2's `insert()` is turned into a plain object of its
 * bytes first, so each byte is stored on its own: metadata key `<path>_<i>` (the path's characters other
 * than letters, digits, `-` and `_` made `_`, lower-cased; `-<i>` on Ceph RGW) holding the decimal byte,
 * or body key `<path>.<i>` holding the number. An empty one is stored as `{}`.
 *
 * `text` attributes: DEFLATE (raw) of the UTF-8 text, as `z:` + base64 or `z85:` + base85 (s3db.js's
 * alphabet, big-endian groups of 4 bytes, a short last group); shorter texts are stored as given.
 */
import { bkError } from '../../errors.js';

type Row = Record<string, unknown>;

/** Whether a definition string makes s3db.js read its value as bytes. */
export const isBytesType = (definition: string) => /^(?:buffer|bits)(?:$|[|:])/.test(definition);

const corrupt = (type: string, stored: unknown, why: string) =>
  bkError('Corrupt', `${why}; s3db.js did not store this ${type}`, {
    details: { type, stored: String(stored).slice(0, 80) },
  });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Strict base64 (padding optional) → bytes; `Corrupt` for anything else. */
export function base64Bytes(text: string, type: string): Uint8Array<ArrayBuffer> {
  const plain = text.replaceAll('-', '+').replaceAll('_', '/');
  if (!BASE64.test(plain)) throw corrupt(type, text, `"${text.slice(0, 40)}" is not base64`);
  return Uint8Array.from(atob(plain.replace(/=+$/, '')), (c) => c.charCodeAt(0));
}

/** Bytes → standard base64 with padding (how bucketkit keeps them in a string field). */
export function bytesBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The key a client of s3db.js stores `<path>.<i>` under, with `_` and `-` alike (RGW swaps them). */
const byteKeyOf = (path: string) =>
  `${path
    .replace(/[^a-zA-Z0-9\-_]/g, '_')
    .toLowerCase()
    .replaceAll('-', '_')}_`;

/**
 * Removes from `fields` the one-byte-per-key entries of each bytes attribute (`paths`) and returns
 * their bytes by attribute. `Corrupt` when the indices are not 0..n-1 or a value is not a byte.
 */
export function takeByteFields(fields: Row, paths: readonly string[]): Map<string, Uint8Array> {
  const found = new Map<string, Map<number, unknown>>();
  const prefixes = paths.map((path) => [path, byteKeyOf(path)] as const);
  for (const key of Object.keys(fields)) {
    const normal = key
      .replace(/[^a-zA-Z0-9\-_]/g, '_')
      .toLowerCase()
      .replaceAll('-', '_');
    for (const [path, prefix] of prefixes) {
      const index = normal.startsWith(prefix) ? normal.slice(prefix.length) : '';
      if (!/^(?:0|[1-9]\d{0,8})$/.test(index)) continue;
      const entries = found.get(path) ?? new Map<number, unknown>();
      found.set(path, entries);
      if (entries.has(Number(index)))
        throw corrupt('buffer', key, `byte ${index} of "${path}" is stored twice`);
      entries.set(Number(index), fields[key]);
      delete fields[key];
      break;
    }
  }
  const out = new Map<string, Uint8Array>();
  for (const [path, entries] of found) {
    const bytes = new Uint8Array(entries.size);
    for (let i = 0; i < entries.size; i++) {
      const value = entries.get(i);
      const byte = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value;
      if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255)
        throw corrupt(
          'buffer',
          value,
          `byte ${i} of "${path}" is ${value === undefined ? 'missing' : 'not 0 to 255'}`,
        );
      bytes[i] = byte;
    }
    out.set(path, bytes);
  }
  return out;
}

/**
 * The stored value of a `buffer` or `bits[:N]` attribute as bytes. `Corrupt` when it is not base64,
 * or not the N bits' bytes.
 *
 * @example
 * ```ts
 * decodeS3dbBytes('AAEC//4=', 'buffer'); // Uint8Array [0, 1, 2, 255, 254]
 * ```
 */
export function decodeS3dbBytes(stored: unknown, definition: string): Uint8Array {
  const type = definition.startsWith('bits') ? 'bits' : 'buffer';
  let bytes: Uint8Array;
  if (stored instanceof Uint8Array) bytes = stored;
  else if (stored === '{}') bytes = new Uint8Array(0);
  else if (typeof stored === 'string') bytes = base64Bytes(stored, type);
  else throw corrupt(type, stored, `a ${typeof stored} is not bytes`);
  const bits = /^bits:(\d+)/.exec(definition);
  if (bits && bytes.length !== Math.ceil(Number(bits[1]) / 8)) {
    throw corrupt(type, stored, `${bytes.length} bytes are not the ${bits[1]} bits of ${definition}`);
  }
  return bytes;
}

const BASE85 = '!#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~';
const BASE85_DIGIT = new Map([...BASE85].map((c, i) => [c, i]));

/** s3db.js's base85 → bytes; undefined when a character is not in its alphabet or a group overflows. */
function base85Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 5 === 1) return undefined;
  const out: number[] = [];
  for (let at = 0; at < text.length; at += 5) {
    const group = text.slice(at, at + 5);
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const digit = i < group.length ? BASE85_DIGIT.get(group[i]!) : 84;
      if (digit === undefined) return undefined;
      n = n * 85 + digit;
    }
    if (n >= 2 ** 32) return undefined;
    for (let i = 0; i < group.length - 1; i++) out.push(Math.floor(n / 2 ** (24 - i * 8)) % 256);
  }
  return Uint8Array.from(out);
}

// not fatal, and a leading BOM kept: what Node's Buffer#toString('utf-8') gives s3db.js
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

async function inflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<string | undefined> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return utf8.decode(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}

/**
 * A stored `text` value back to its text. A value that is not DEFLATE data (a short text that only
 * looks like `z:...`) is the text itself, as s3db.js reads it too.
 *
 * @example
 * ```ts
 * await decompressS3dbText('z:y0jNyVcozy/KSQEA'); // 'hello world'
 * ```
 */
export async function decompressS3dbText(stored: string): Promise<string> {
  const [payload, bytes] = stored.startsWith('z85:')
    ? [stored.slice(4), base85Bytes(stored.slice(4))]
    : stored.startsWith('z:')
      ? [stored.slice(2), tryBase64(stored.slice(2))]
      : [undefined, undefined];
  if (payload === '') return '';
  if (bytes === undefined) return stored;
  return (await inflateRaw(bytes)) ?? stored;
}

function tryBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return base64Bytes(text, 'text');
  } catch {
    return undefined;
  }
}
