import { importWrappingKey } from '../../storage/index.js';
import { s3Error } from '../s3-errors.js';

/**
 * Encryption at rest for the gateway: the master keys that wrap per-object data keys for SSE-S3 and
 * SSE-KMS. SSE-C needs no configuration (the client sends its key with each request).
 *
 * @example
 * ```ts
 * createGateway({ ...options, encryption: { keys: { k1: randomBytes(32) }, activeKey: 'k1' } });
 * ```
 */
export interface EncryptionOptions {
  /** Master keys by id, 32 bytes each. An object records the id of the key that wrapped its data key. */
  keys?: Readonly<Record<string, Uint8Array>>;
  /** The key new SSE-S3 objects (and SSE-KMS ones naming no key) use: rotate by adding a key and naming it here. */
  activeKey?: string;
  /** Accept customer keys (SSE-C) over plain HTTP; S3 refuses them there (default false). */
  customerKeysOverHttp?: boolean;
}

/** The master keys as the request handlers use them. */
export interface Keyring {
  /** The active key's id, or a NotImplemented error explaining how to configure keys. */
  active(): string;
  /** The key-encryption key with this id, or undefined. */
  get(id: string): Promise<CryptoKey | undefined>;
  has(id: string): boolean;
  customerKeysOverHttp: boolean;
}

/**
 * Validates the configured keys and imports them lazily (once each).
 *
 * @example
 * ```ts
 * const ring = keyring({ keys: { k1: key } });
 * const kek = await ring.get(ring.active());
 * ```
 */
export function keyring(options: EncryptionOptions = {}): Keyring {
  const raw = options.keys ?? {};
  for (const [id, key] of Object.entries(raw)) {
    if (key.byteLength !== 32) throw new TypeError(`encryption key "${id}" must be 32 bytes (AES-256)`);
    if (!/^[A-Za-z0-9._:/-]{1,128}$/.test(id)) {
      throw new TypeError(`encryption key id "${id}" may hold letters, digits and . _ : / - only`);
    }
  }
  const ids = Object.keys(raw);
  const activeId = options.activeKey ?? ids[0];
  if (activeId !== undefined && !(activeId in raw)) {
    throw new TypeError(`encryption activeKey "${activeId}" is not one of the keys`);
  }
  const imported = new Map<string, Promise<CryptoKey>>();
  return {
    active() {
      if (activeId === undefined) {
        throw s3Error(
          'NotImplemented',
          501,
          'server-side encryption with server keys is off: start the gateway with encryption keys (bucketkit serve --encryption-keys FILE)',
        );
      }
      return activeId;
    },
    has: (id) => Object.hasOwn(raw, id),
    async get(id) {
      if (!Object.hasOwn(raw, id)) return undefined;
      let key = imported.get(id);
      if (!key) {
        key = importWrappingKey(raw[id]!);
        imported.set(id, key);
      }
      return key;
    },
    customerKeysOverHttp: options.customerKeysOverHttp ?? false,
  };
}
