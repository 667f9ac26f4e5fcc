/**
 * Passphrase → AES-256-GCM key, one way for every module that seals data at rest (db secret fields,
 * datasets storage configs): PBKDF2-HMAC-SHA-256 through Web Crypto, so it runs in browsers too.
 */

/**
 * Derives a non-extractable AES-256-GCM key from `passphrase` and `salt` with `iterations` rounds of
 * PBKDF2-SHA-256, plus `extraBytes` more derived bytes (a key fingerprint, say) that do not reveal the key.
 *
 * @example
 * ```ts
 * const { key, extra } = await deriveAesGcmKey('correct horse', salt, 600_000, 4);
 * ```
 */
export async function deriveAesGcmKey(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  extraBytes = 0,
): Promise<{ key: CryptoKey; extra: Uint8Array }> {
  const material = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(passphrase),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations },
      material,
      (32 + extraBytes) * 8,
    ),
  );
  const key = await crypto.subtle.importKey('raw', bits.subarray(0, 32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  const extra = bits.slice(32);
  bits.fill(0);
  return { key, extra };
}
