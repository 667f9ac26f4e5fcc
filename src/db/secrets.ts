/**
 * The database's secret-field key: created on first use, checked on every connect (a wrong
 * passphrase is refused before anything is written with it), rotated when the catalog's key matches a
 * passphrase given in `previousPassphrases`.
 */
import { bkError } from '../errors.js';
import type { Abortable } from '../storage/index.js';
import type { Catalog, CatalogStore, KeyParams } from './catalog.js';
import { createSecretCipher, DEFAULT_ITERATIONS, randomSalt, type SecretCipher } from './crypto/index.js';

const CHECK_TEXT = 'bucketkit-db key check';

export interface KeyOptions extends Abortable {
  passphrase: string;
  previousPassphrases: readonly string[];
  iterations?: number;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function opens(params: KeyParams, passphrase: string): Promise<boolean> {
  try {
    const cipher = await createSecretCipher({
      passphrase,
      salt: fromBase64(params.salt),
      keyId: params.keyId,
      iterations: params.iterations,
    });
    return (await cipher.decrypt(params.check)) === CHECK_TEXT;
  } catch {
    return false;
  }
}

async function newParams(passphrase: string, keyId: string, iterations: number): Promise<KeyParams> {
  const salt = randomSalt();
  const cipher = await createSecretCipher({ passphrase, salt, keyId, iterations });
  return { keyId, salt: toBase64(salt), iterations, check: await cipher.encrypt(CHECK_TEXT) };
}

/**
 * Returns the cipher for `options.passphrase`, creating or rotating the catalog's key parameters as
 * needed (a compare-and-swap catalog write).
 */
export async function openSecrets(
  store: CatalogStore,
  loaded: Catalog,
  options: KeyOptions,
): Promise<SecretCipher> {
  const { passphrase, previousPassphrases } = options;
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  let crypto = loaded.crypto;
  if (!crypto || !(await opens(crypto, passphrase))) {
    let next: KeyParams;
    if (!crypto) next = await newParams(passphrase, 'k1', iterations);
    else {
      const matches = await Promise.all(previousPassphrases.map((p) => opens(crypto!, p)));
      if (!matches.includes(true)) {
        throw bkError(
          'AccessDenied',
          'the passphrase does not open this database; to rotate, pass the old one in previousPassphrases',
          { details: { keyId: crypto.keyId } },
        );
      }
      next = await newParams(
        passphrase,
        `k${Number.parseInt(crypto.keyId.slice(1), 10) + 1 || 2}`,
        iterations,
      );
    }
    const catalog = await store.update((c) => {
      if (c.crypto?.keyId !== loaded.crypto?.keyId) return false;
      c.crypto = { ...next, previous: c.crypto ? [stripPrevious(c.crypto), ...c.crypto.previous] : [] };
      return true;
    }, options);
    if (catalog.crypto?.keyId !== next.keyId && !(await opens(catalog.crypto!, passphrase))) {
      throw bkError(
        'PreconditionFailed',
        'another process changed the database key at the same time; connect again',
      );
    }
    crypto = catalog.crypto!;
    loaded.crypto = crypto;
  }
  const previous = [];
  for (const params of crypto.previous) {
    for (const candidate of [passphrase, ...previousPassphrases]) {
      if (await opens(params, candidate)) {
        previous.push({
          passphrase: candidate,
          salt: fromBase64(params.salt),
          keyId: params.keyId,
          iterations: params.iterations,
        });
        break;
      }
    }
  }
  return createSecretCipher({
    passphrase,
    salt: fromBase64(crypto.salt),
    keyId: crypto.keyId,
    iterations: crypto.iterations,
    previous,
  });
}

function stripPrevious(crypto: KeyParams): KeyParams {
  return { keyId: crypto.keyId, salt: crypto.salt, iterations: crypto.iterations, check: crypto.check };
}
