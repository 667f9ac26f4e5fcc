/**
 * Secret fields inside a record: sealed with the cipher on write, reused unchanged when the value did
 * not change (no needless re-encryption), opened on read.
 */
import { bkError } from '../../errors.js';
import type { SecretCipher } from '../crypto/index.js';
import type { AttributeMap } from './attribute-map.js';
import { decodeFlat, isObject, type StoredRecord } from './stored.js';

/** The sealed values of the record being replaced, with their plaintexts, to reuse when unchanged. */
export interface PreviousSecrets {
  sealed: Map<string, string>;
  plain: Map<string, string>;
}

/**
 * Collects the previous record's secrets that can be reused: those sealed under the cipher's current
 * key (after a rotation, an update re-encrypts with the new key).
 */
export function previousSecrets(
  secretPaths: readonly string[],
  map: AttributeMap,
  previous: { record: Record<string, unknown>; stored: StoredRecord },
  cipher: SecretCipher | undefined,
): PreviousSecrets {
  const out: PreviousSecrets = { sealed: new Map(), plain: new Map() };
  const flat = decodeFlat(previous.stored, map).values;
  const prefix = cipher ? `s1.${cipher.keyId}.` : 's1.';
  for (const path of secretPaths) {
    const sealed = flat.get(path);
    const plain = getPath(previous.record, path.split('.'));
    if (typeof sealed === 'string' && sealed.startsWith(prefix) && typeof plain === 'string') {
      out.sealed.set(path, sealed);
      out.plain.set(path, plain);
    }
  }
  return out;
}

/** The stored form of a secret value: reused when unchanged, else freshly encrypted. */
export async function sealSecret(
  path: string,
  value: unknown,
  cipher: SecretCipher | undefined,
  reused: PreviousSecrets | undefined,
): Promise<string> {
  if (typeof value !== 'string') {
    throw bkError('InvalidArgument', `${path}: a secret field holds a string`, { details: { path } });
  }
  const sealed = reused?.sealed.get(path);
  if (sealed !== undefined && reused?.plain.get(path) === value) return sealed;
  if (!cipher) {
    throw bkError(
      'InvalidArgument',
      `${path} is a secret field: give the database a passphrase to encrypt it`,
      {
        details: { path },
      },
    );
  }
  return cipher.encrypt(value);
}

/** The plaintext of a stored secret value (null stays null). */
export async function openSecret(
  path: string,
  value: unknown,
  cipher: SecretCipher | undefined,
): Promise<unknown> {
  if (value === null) return null;
  if (typeof value !== 'string') throw bkError('Corrupt', `${path}: a stored secret is not a string`);
  if (!cipher) {
    throw bkError(
      'InvalidArgument',
      `${path} is a secret field: give the database a passphrase to decrypt it`,
      {
        details: { path },
      },
    );
  }
  return cipher.decrypt(value);
}

function getPath(record: Record<string, unknown>, segments: string[]): unknown {
  let value: unknown = record;
  for (const segment of segments) value = isObject(value) ? value[segment] : undefined;
  return value;
}
