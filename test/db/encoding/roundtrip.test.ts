import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSecretCipher, randomSalt } from '../../../src/db/crypto/index.js';
import { decodeRecord, encodeRecord } from '../../../src/db/encoding/index.js';
import { BucketkitError } from '../../../src/errors.js';
import { anyRecord, cipher, map, schema } from './records.js';
import { ALL_BEHAVIORS, encodeOrRefuse, expectRoundTrip } from './roundtrip-check.js';

describe('encode → decode', () => {
  test.each(ALL_BEHAVIORS)('any valid record round-trips under %s', async (behavior) => {
    await fc.assert(
      fc.asyncProperty(anyRecord, async (input) => {
        const record = schema.validate(input);
        const stored = await encodeOrRefuse(record, behavior);
        if (stored) await expectRoundTrip(record, behavior, stored);
      }),
      { numRuns: 250 },
    );
  });
});

test('truncate-data may cut or drop a nested field; what comes back is each leaf or a prefix of it', async () => {
  // Regression: the CI run of 2026-12-05 failed "after 29 tests" when the field cut was profile.nick, because
  // the check compared nested objects whole. The record below forces that case.
  const record = schema.validate({
    name: 'n'.repeat(300),
    bio: 'b'.repeat(300),
    tags: ['t'.repeat(300)],
    token: 'x'.repeat(300),
    data: 'd'.repeat(300),
    loose: 'l'.repeat(300),
    profile: { nick: 'k'.repeat(450), address: { city: 'c'.repeat(500) } },
  });
  const stored = await encodeOrRefuse(record, 'truncate-data');
  const got = await decodeRecord(stored!, { schema, map, cipher });
  const nick = (got.profile as { nick?: string } | undefined)?.nick ?? '';
  expect(nick.length).toBeGreaterThan(0);
  expect(nick.length).toBeLessThan(450);
  expect('k'.repeat(450).startsWith(nick)).toBe(true);
  await expectRoundTrip(record, 'truncate-data', stored!);
});

describe('secret fields', () => {
  const base = { name: 'Ada', token: 'hunter2' };

  test('are stored encrypted and read back in clear', async () => {
    const stored = await encodeRecord(base, {
      schema,
      map,
      version: 'v1',
      behavior: 'body-overflow',
      cipher,
    });
    const sealed = stored.metadata[map.token!]!;
    expect(sealed.startsWith(`s1.${cipher.keyId}.`)).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(await decodeRecord(stored, { schema, map, cipher })).toEqual(base);
  });

  test('an unchanged secret is not re-encrypted on update; a changed one is', async () => {
    const ctx = { schema, map, version: 'v1', behavior: 'body-overflow' as const, cipher };
    const first = await encodeRecord(base, ctx);
    const previous = { record: base, stored: first };
    const same = await encodeRecord({ ...base, name: 'Ada L.' }, { ...ctx, previous });
    expect(same.metadata[map.token!]).toBe(first.metadata[map.token!]);
    const changed = await encodeRecord({ ...base, token: 'new' }, { ...ctx, previous });
    expect(changed.metadata[map.token!]).not.toBe(first.metadata[map.token!]);
    expect((await decodeRecord(changed, ctx)).token).toBe('new');
    // reused even without a cipher: nothing needs encrypting
    const { cipher: _, ...noCipher } = ctx;
    const reused = await encodeRecord({ ...base, name: 'x' }, { ...noCipher, previous });
    expect(reused.metadata[map.token!]).toBe(first.metadata[map.token!]);
  });

  test('after a key rotation, an update re-encrypts an unchanged secret with the new key', async () => {
    const rotated = await createSecretCipher({
      passphrase: 'next',
      salt: randomSalt(),
      keyId: 'next',
      iterations: 100_000,
      previous: [
        {
          passphrase: 'property tests',
          salt: new Uint8Array(16).fill(7),
          keyId: cipher.keyId,
          iterations: 100_000,
        },
      ],
    });
    const ctx = { schema, map, version: 'v1', behavior: 'body-overflow' as const };
    const first = await encodeRecord(base, { ...ctx, cipher });
    const second = await encodeRecord(base, {
      ...ctx,
      cipher: rotated,
      previous: { record: base, stored: first },
    });
    expect(second.metadata[map.token!]!.startsWith('s1.next.')).toBe(true);
    expect(await decodeRecord(first, { ...ctx, cipher: rotated })).toEqual(base);
    expect(await decodeRecord(second, { ...ctx, cipher: rotated })).toEqual(base);
  });

  test('without a passphrase, writing or reading a secret is InvalidArgument', async () => {
    const noCipher = { schema, map, version: 'v1', behavior: 'body-overflow' as const };
    const write = await encodeRecord(base, noCipher).catch((e: unknown) => e);
    expect(BucketkitError.is(write, 'InvalidArgument')).toBe(true);
    expect(String(write)).toMatch(/token is a secret field: give the database a passphrase/);
    const stored = await encodeRecord(base, { ...noCipher, cipher });
    const read = await decodeRecord(stored, noCipher).catch((e: unknown) => e);
    expect(BucketkitError.is(read, 'InvalidArgument')).toBe(true);
    // no secret present: no passphrase needed
    expect(await decodeRecord(await encodeRecord({ name: 'x', token: null }, noCipher), noCipher)).toEqual({
      name: 'x',
      token: null,
    });
  });

  test('a tampered stored secret is Corrupt on read', async () => {
    const stored = await encodeRecord(base, {
      schema,
      map,
      version: 'v1',
      behavior: 'body-overflow',
      cipher,
    });
    const sealed = stored.metadata[map.token!]!;
    const tampered = `${sealed.slice(0, -3)}${sealed.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const metadata = { ...stored.metadata, [map.token!]: tampered };
    const err = await decodeRecord({ metadata }, { schema, map, cipher }).catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  });
});
