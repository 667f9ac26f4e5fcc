/**
 * Per-object data keys, wrapped (AES-256-GCM, random 96-bit nonce) by a key-encryption key: a master key
 * from a key ring, or a customer's key. The wrapped form is what metadata keeps; the data key itself is
 * never stored.
 */
import { bkError } from '../../errors.js';

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** A fresh random 256-bit data key. */
export function newDataKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

/** An AES-256-GCM key-encryption key from 32 raw bytes. */
export function importWrappingKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== 32) throw bkError('InvalidArgument', 'an AES-256 key has 32 bytes');
  return subtle().importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Base64 (standard alphabet, padded) of bytes, without node's Buffer. */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Bytes of standard base64; undefined when `text` is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Wraps `dataKey` under `kek`; `context` (e.g. the SSE mode) is authenticated with it, so a wrapped key
 * cannot be moved to another use.
 *
 * @example
 * ```ts
 * const wrapped = await wrapKey(await importWrappingKey(master), newDataKey(), 'AES256');
 * ```
 */
export async function wrapKey(kek: CryptoKey, dataKey: Uint8Array, context: string): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
      kek,
      dataKey as Uint8Array<ArrayBuffer>,
    ),
  );
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(sealed, 12);
  return toBase64(out);
}

/**
 * The data key inside `wrapped`, or undefined when `kek` is not the key that wrapped it (or the wrapped
 * form was changed).
 *
 * @example
 * ```ts
 * const dataKey = await unwrapKey(kek, info.metadata['bucketkit.sse-key'], 'AES256');
 * ```
 */
export async function unwrapKey(
  kek: CryptoKey,
  wrapped: string,
  context: string,
): Promise<Uint8Array | undefined> {
  const bytes = fromBase64(wrapped);
  if (!bytes || bytes.byteLength !== 12 + 32 + 16) return undefined;
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: encoder.encode(context) },
        kek,
        bytes.subarray(12),
      ),
    );
  } catch {
    return undefined;
  }
}
