/**
 * s3db.js secret values: base64 of salt (16 bytes) ‖ IV (12) ‖ AES-256-GCM ciphertext and tag, the key
 * derived per value with PBKDF2-SHA256 (100,000 iterations) from the database passphrase.
 */
import { bkError } from '../../errors.js';

const ITERATIONS = 100_000;
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

/**
 * Decrypts one stored secret. `AccessDenied` when the passphrase does not open it.
 *
 * @example
 * ```ts
 * const token = await decryptS3dbSecret(stored, 'my passphrase');
 * ```
 */
export async function decryptS3dbSecret(stored: string, passphrase: string): Promise<string> {
  const bytes = Uint8Array.from(atob(stored), (c) => c.charCodeAt(0));
  if (bytes.length < 16 + 12 + 16) {
    throw bkError('Corrupt', 'an s3db.js secret is too short to be salt, IV and ciphertext');
  }
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, [
    'deriveKey',
  ]);
  const key = await subtle.deriveKey(
    { name: 'PBKDF2', salt: bytes.slice(0, 16), iterations: ITERATIONS, hash: 'SHA-256' },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  try {
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(16, 28) }, key, bytes.slice(28));
    return utf8.decode(plain);
  } catch (error) {
    throw bkError(
      'AccessDenied',
      'an s3db.js secret does not open with this passphrase; give the passphrase the s3db.js Database had (its default was "secret")',
      { cause: error },
    );
  }
}
