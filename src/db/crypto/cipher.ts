/**
 * Secret-field encryption: AES-256-GCM under a key derived once per cipher with PBKDF2-SHA256. A value
 * encrypts to `s1.<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`; the `s1.<keyId>` header is bound as
 * additional data, so changing the key id is detected like any other tampering.
 */

import { bkError } from '../../errors.js';
import { deriveAesGcmKey } from '../../kdf.js';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../encoding/base.js';

/** Encrypts and decrypts secret field values. */
export interface SecretCipher {
  /** The key id new values are encrypted with. */
  readonly keyId: string;
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

/** One passphrase's key parameters, as a Database keeps them in its catalog. */
export interface KeyOptions {
  passphrase: string;
  salt: Uint8Array;
  keyId?: string;
  /** PBKDF2-SHA256 iterations: at least 100,000 (default 600,000, OWASP's 2023 figure). */
  iterations?: number;
}

export interface SecretCipherOptions extends KeyOptions {
  /** Earlier passphrases, still accepted for decryption (rotation). Each needs its key id. */
  previous?: readonly (KeyOptions & { keyId: string })[];
}

export const MIN_ITERATIONS = 100_000;
export const DEFAULT_ITERATIONS = 600_000;
const VERSION = 's1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Builds a cipher: derives the key of `passphrase` (and of every `previous` one) once, up front.
 *
 * @example
 * ```ts
 * const salt = randomSalt(); // keep it (and the key id) next to the data
 * const cipher = await createSecretCipher({ passphrase: process.env.DB_PASSPHRASE!, salt });
 * const stored = await cipher.encrypt('hunter2'); // 's1.<keyId>.<...>'
 * await cipher.decrypt(stored); // 'hunter2'
 * ```
 */
export async function createSecretCipher(options: SecretCipherOptions): Promise<SecretCipher> {
  const current = await deriveKey(options);
  const keys = new Map<string, CryptoKey>([[current.keyId, current.key]]);
  for (const old of options.previous ?? []) {
    if (!old.keyId) throw bkError('InvalidArgument', 'each previous passphrase needs its keyId');
    const derived = await deriveKey(old);
    if (keys.has(derived.keyId)) {
      throw bkError('InvalidArgument', `key id "${derived.keyId}" is used twice; key ids must be unique`, {
        details: { keyId: derived.keyId },
      });
    }
    keys.set(derived.keyId, derived.key);
  }
  const header = `${VERSION}.${current.keyId}`;
  return {
    keyId: current.keyId,
    async encrypt(plaintext: string): Promise<string> {
      if (typeof plaintext !== 'string') {
        throw bkError('InvalidArgument', 'only strings can be encrypted; stringify other values first');
      }
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: utf8(header) },
          current.key,
          utf8(plaintext),
        ),
      );
      const out = new Uint8Array(IV_BYTES + sealed.length);
      out.set(iv);
      out.set(sealed, IV_BYTES);
      return `${header}.${toBase64Url(out)}`;
    },
    async decrypt(ciphertext: string): Promise<string> {
      const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
      if (parts.length !== 3 || parts[0] !== VERSION) {
        throw bkError('Corrupt', `not a ${VERSION} secret value: want "${VERSION}.<keyId>.<data>"`);
      }
      const keyId = parts[1]!;
      const key = keys.get(keyId);
      if (!key) {
        throw bkError(
          'Corrupt',
          `the secret was encrypted with key "${keyId}", which this cipher lacks; pass that passphrase in "previous"`,
          { details: { keyId, known: [...keys.keys()] } },
        );
      }
      const bytes = fromBase64Url(parts[2]!);
      if (bytes.length < IV_BYTES + TAG_BYTES) throw bkError('Corrupt', 'the secret value is too short');
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: utf8(`${VERSION}.${keyId}`) },
          key,
          bytes.subarray(IV_BYTES),
        );
        return fromUtf8(new Uint8Array(plain));
      } catch (cause) {
        throw bkError(
          'Corrupt',
          'the secret does not decrypt: a wrong passphrase, or the value was altered',
          {
            cause,
            details: { keyId },
          },
        );
      }
    },
  };
}

/**
 * 16 random bytes, the salt for a new passphrase.
 *
 * @example
 * ```ts
 * const salt = randomSalt();
 * ```
 */
export function randomSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

async function deriveKey(options: KeyOptions): Promise<{ keyId: string; key: CryptoKey }> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (typeof options.passphrase !== 'string' || options.passphrase.length === 0) {
    throw bkError(
      'InvalidArgument',
      'a passphrase is required to encrypt secret fields (there is no default)',
    );
  }
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    throw bkError(
      'InvalidArgument',
      `PBKDF2 needs at least ${MIN_ITERATIONS} iterations; got ${iterations}`,
      {
        details: { iterations },
      },
    );
  }
  if (!(options.salt instanceof Uint8Array) || options.salt.length < 16) {
    throw bkError('InvalidArgument', 'the salt must be at least 16 random bytes (use randomSalt())');
  }
  if (options.keyId !== undefined && !KEY_ID.test(options.keyId)) {
    throw bkError('InvalidArgument', `key id "${options.keyId}" must be 1-64 of A-Z a-z 0-9 _ -`, {
      details: { keyId: options.keyId },
    });
  }
  const { key, extra } = await deriveAesGcmKey(options.passphrase, options.salt, iterations, 4);
  // the default id is a fingerprint from bits beyond the key: it names the key without revealing it
  const keyId = options.keyId ?? [...extra].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { keyId, key };
}
