import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSecretCipher, randomSalt } from '../../../src/db/crypto/index.js';
import { BucketkitError } from '../../../src/errors.js';

const FAST = 100_000; // the minimum, to keep the suite quick
const salt = randomSalt();

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<BucketkitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(BucketkitError.is(err), String(err)).toBe(true);
  expect((err as BucketkitError).code).toBe(code);
  return err as BucketkitError;
}

function flipChar(text: string, index: number): string {
  const char = text[index]!;
  return text.slice(0, index) + (char === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('createSecretCipher', () => {
  test('round-trips any text, with a fresh IV per value', async () => {
    const cipher = await createSecretCipher({ passphrase: 'correct horse', salt, iterations: FAST });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const sealed = await cipher.encrypt(text);
        expect(sealed).toMatch(/^s1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
        expect(await cipher.decrypt(sealed)).toBe(text);
      }),
      { numRuns: 100 },
    );
    const a = await cipher.encrypt('same');
    const b = await cipher.encrypt('same');
    expect(a).not.toBe(b);
  });

  test('the default key id is a stable fingerprint of passphrase and salt', async () => {
    const one = await createSecretCipher({ passphrase: 'p', salt, iterations: FAST });
    const two = await createSecretCipher({ passphrase: 'p', salt, iterations: FAST });
    const other = await createSecretCipher({ passphrase: 'q', salt, iterations: FAST });
    expect(one.keyId).toBe(two.keyId);
    expect(other.keyId).not.toBe(one.keyId);
    expect(await two.decrypt(await one.encrypt('x'))).toBe('x');
  });

  test('flipping any ciphertext character, or renaming the key id, is Corrupt', async () => {
    const cipher = await createSecretCipher({ passphrase: 'p', salt, keyId: 'k1', iterations: FAST });
    const other = await createSecretCipher({
      passphrase: 'p',
      salt,
      keyId: 'k2',
      iterations: FAST,
      previous: [{ passphrase: 'p', salt, keyId: 'k1', iterations: FAST }],
    });
    const sealed = await cipher.encrypt('attack at dawn');
    const data = sealed.lastIndexOf('.') + 1;
    for (let i = data; i < sealed.length; i += 3)
      await rejectsWith(cipher.decrypt(flipChar(sealed, i)), 'Corrupt');
    // same key under another id: the id is authenticated data, so the swap is caught
    await rejectsWith(other.decrypt(sealed.replace('.k1.', '.k2.')), 'Corrupt');
    await rejectsWith(cipher.decrypt(sealed.replace('.k1.', '.k9.')), 'Corrupt');
    await rejectsWith(cipher.decrypt(sealed.slice(0, -4)), 'Corrupt');
    await rejectsWith(cipher.decrypt('s2.k1.AAAA'), 'Corrupt');
    await rejectsWith(cipher.decrypt('plain text'), 'Corrupt');
  });

  test('a wrong passphrase is Corrupt', async () => {
    const right = await createSecretCipher({ passphrase: 'right', salt, keyId: 'main', iterations: FAST });
    const wrong = await createSecretCipher({ passphrase: 'wrong', salt, keyId: 'main', iterations: FAST });
    const err = await rejectsWith(wrong.decrypt(await right.encrypt('x')), 'Corrupt');
    expect(err.message).toMatch(/wrong passphrase/);
  });

  test('rotation: a cipher with the old passphrase in `previous` reads old values and writes with the new key', async () => {
    const oldSalt = randomSalt();
    const before = await createSecretCipher({
      passphrase: 'old',
      salt: oldSalt,
      keyId: '2025',
      iterations: FAST,
    });
    const sealedBefore = await before.encrypt('kept');
    const after = await createSecretCipher({
      passphrase: 'new',
      salt: randomSalt(),
      keyId: '2026',
      iterations: FAST,
      previous: [{ passphrase: 'old', salt: oldSalt, keyId: '2025', iterations: FAST }],
    });
    expect(await after.decrypt(sealedBefore)).toBe('kept');
    const sealedAfter = await after.encrypt('fresh');
    expect(sealedAfter.startsWith('s1.2026.')).toBe(true);
    const err = await rejectsWith(before.decrypt(sealedAfter), 'Corrupt');
    expect(err.details.keyId).toBe('2026');
  });

  test('refuses weak or incomplete parameters', async () => {
    await rejectsWith(createSecretCipher({ passphrase: 'p', salt, iterations: 99_999 }), 'InvalidArgument');
    await rejectsWith(createSecretCipher({ passphrase: '', salt, iterations: FAST }), 'InvalidArgument');
    await rejectsWith(
      createSecretCipher({ passphrase: 'p', salt: new Uint8Array(8), iterations: FAST }),
      'InvalidArgument',
    );
    await rejectsWith(
      createSecretCipher({ passphrase: 'p', salt, keyId: 'has.dot', iterations: FAST }),
      'InvalidArgument',
    );
    await rejectsWith(
      createSecretCipher({
        passphrase: 'p',
        salt,
        keyId: 'same',
        iterations: FAST,
        previous: [{ passphrase: 'q', salt, keyId: 'same', iterations: FAST }],
      }),
      'InvalidArgument',
    );
  });

  test('randomSalt gives 16 fresh bytes', () => {
    const a = randomSalt();
    expect(a).toHaveLength(16);
    expect(a).not.toEqual(randomSalt());
  });
});
