/** The round-trip assertion every property test makes, whatever carried the stored form. */
import { expect } from 'vitest';
import {
  type BehaviorName,
  decodeRecord,
  encodeRecord,
  isTruncated,
  METADATA_LIMIT,
  metadataBytes,
  type StoredRecord,
} from '../../../src/db/encoding/index.js';
import { BucketkitError } from '../../../src/errors.js';
import { cipher, map, schema } from './records.js';

export const ALL_BEHAVIORS: readonly BehaviorName[] = [
  'body-overflow',
  'body-only',
  'truncate-data',
  'enforce-limits',
  'user-managed',
];

/** Encodes `input`, or returns undefined when the behaviour rightly refuses it (enforce-limits). */
export async function encodeOrRefuse(
  record: Record<string, unknown>,
  behavior: BehaviorName,
): Promise<StoredRecord | undefined> {
  try {
    const stored = await encodeRecord(record, { schema, map, version: 'v1', behavior, cipher });
    expect(metadataBytes(stored.metadata)).toBeLessThanOrEqual(METADATA_LIMIT);
    for (const [key, value] of Object.entries(stored.metadata)) {
      expect(key).toMatch(/^[a-z0-9-]+$/);
      expect(value).toMatch(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/);
    }
    return stored;
  } catch (err) {
    expect(BucketkitError.is(err, 'MetadataTooLarge') && behavior === 'enforce-limits', String(err)).toBe(
      true,
    );
    expect((err as BucketkitError).details.bytes).toBeGreaterThan(METADATA_LIMIT);
    return undefined;
  }
}

/** Decodes what came back and compares: exact, or for a truncated record a prefix-or-missing subset. */
export async function expectRoundTrip(
  record: Record<string, unknown>,
  behavior: BehaviorName,
  returned: StoredRecord,
): Promise<void> {
  const got = await decodeRecord(returned, { schema, map, cipher });
  if (!isTruncated(returned.metadata)) {
    expect(got).toEqual(record);
    return;
  }
  expect(behavior).toBe('truncate-data');
  expectKeptOrCut(got, record);
}

/**
 * Every leaf of a truncated record is the original's, a prefix of an original string, or missing —
 * at any depth: a nested field (`profile.nick`) can be the one cut or dropped.
 */
function expectKeptOrCut(got: Record<string, unknown>, original: Record<string, unknown>, path = ''): void {
  for (const [name, value] of Object.entries(got)) {
    const was = original[name];
    const at = `${path}${name}`;
    if (typeof value === 'string' && typeof was === 'string' && value !== was) {
      expect(was.startsWith(value), `${at} is not a prefix of the original`).toBe(true);
    } else if (isPlainObject(value) && isPlainObject(was)) {
      expectKeptOrCut(value, was, `${at}.`);
    } else {
      expect(value, at).toEqual(was);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
