/**
 * bucketkit/db secret-field encryption: AES-256-GCM, PBKDF2-SHA256 keys, versioned ciphertexts that name
 * their key so passphrases can rotate. Web Crypto only, so it runs in browsers too.
 *
 * @example
 * ```ts
 * import { createSecretCipher, randomSalt } from './crypto/index.js';
 * const cipher = await createSecretCipher({ passphrase: 'correct horse', salt: randomSalt() });
 * const sealed = await cipher.encrypt('s3cr3t');
 * ```
 */
export {
  createSecretCipher,
  DEFAULT_ITERATIONS,
  type KeyOptions,
  MIN_ITERATIONS,
  randomSalt,
  type SecretCipher,
  type SecretCipherOptions,
} from './cipher.js';
