import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveAesGcmKey } from '../src/kdf.js';

const iv = new Uint8Array(12).fill(7);
const plaintext = new TextEncoder().encode('a sealed secret');
const seal = async (key: CryptoKey) =>
  new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext));

describe('deriveAesGcmKey', () => {
  it('gives the key Web Crypto’s PBKDF2 deriveKey gives (what sealed data used), and the bytes past it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 20 }),
        fc.uint8Array({ minLength: 16, maxLength: 32 }),
        async (pass, salt) => {
          const iterations = 1000;
          const { key, extra } = await deriveAesGcmKey(pass, salt, iterations, 4);
          const material = await crypto.subtle.importKey(
            'raw',
            new TextEncoder().encode(pass),
            'PBKDF2',
            false,
            ['deriveKey', 'deriveBits'],
          );
          const params = { name: 'PBKDF2', hash: 'SHA-256', salt, iterations };
          const reference = await crypto.subtle.deriveKey(
            params,
            material,
            { name: 'AES-GCM', length: 256 },
            false,
            ['encrypt'],
          );
          expect(await seal(key)).toEqual(await seal(reference));
          const bits = new Uint8Array(await crypto.subtle.deriveBits(params, material, 36 * 8));
          expect(extra).toEqual(bits.slice(32));
        },
      ),
      { numRuns: 25 },
    );
  });
});
