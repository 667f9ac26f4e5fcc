import { describe, expect, test, vi } from 'vitest';
import {
  type BehaviorName,
  decodeRecord,
  type ExceedsLimit,
  encodeRecord,
  encodeValue,
  extendAttributeMap,
  isTruncated,
  METADATA_LIMIT,
  metadataBytes,
  type StoredRecord,
  storedVersion,
} from '../../../src/db/encoding/index.js';
import { compileSchema } from '../../../src/db/schema/index.js';
import { BucketkitError } from '../../../src/errors.js';

const schema = compileSchema({
  title: 'string',
  note: 'string',
  text: 'string',
  count: 'number',
  pad: 'string',
});
const { map } = extendAttributeMap(
  {},
  0,
  schema.fields.map((f) => f.path),
);
const VERSION = 'v1';
const SYSTEM_BYTES = 'v-'.length + VERSION.length;

/** Metadata bytes the record needs when every field stays in metadata, counted on the encoded form. */
function fullBytes(record: Record<string, unknown>): number {
  let total = SYSTEM_BYTES;
  for (const [path, value] of Object.entries(record)) total += map[path]!.length + encodeValue(value).length;
  return total;
}

/** A record with multi-byte text whose encoded metadata is exactly `bytes` long. */
function recordOf(bytes: number, text: string): Record<string, unknown> {
  const base = { title: 'Café ☕', note: '日本語', count: 1e300, text };
  const pad = bytes - fullBytes(base) - map.pad!.length;
  if (pad < 1) throw new Error(`cannot reach ${bytes} bytes`);
  const record = { ...base, pad: 'x'.repeat(pad) };
  expect(fullBytes(record)).toBe(bytes);
  return record;
}

const TEXTS = { é: 'é'.repeat(300), 日本: '日本'.repeat(100), emoji: '😀'.repeat(90) + 'x😀'.repeat(40) };

async function encode(
  record: Record<string, unknown>,
  behavior: BehaviorName,
  onExceedsLimit?: (i: ExceedsLimit) => void,
) {
  return encodeRecord(record, {
    schema,
    map,
    version: VERSION,
    behavior,
    ...(onExceedsLimit ? { onExceedsLimit } : {}),
  });
}

const decode = (stored: StoredRecord) => decodeRecord(stored, { schema, map });

async function failure(promise: Promise<unknown>): Promise<BucketkitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!BucketkitError.is(err)) throw new Error(`expected a BucketkitError, got ${String(err)}`);
  return err;
}

describe.each(Object.entries(TEXTS))('at the %s edge', (_, text) => {
  const atLimit = recordOf(METADATA_LIMIT, text);
  const overLimit = recordOf(METADATA_LIMIT + 1, text);

  test.each(['body-overflow', 'truncate-data', 'enforce-limits', 'user-managed'] as const)(
    '%s keeps a record of exactly 2047 bytes in metadata, unchanged',
    async (behavior) => {
      const stored = await encode(atLimit, behavior, () =>
        expect.unreachable('no exceedsLimit at the limit'),
      );
      expect(stored.body).toBeUndefined();
      expect(metadataBytes(stored.metadata)).toBe(METADATA_LIMIT);
      expect(isTruncated(stored.metadata)).toBe(false);
      expect(await decode(stored)).toEqual(atLimit);
    },
  );

  test('enforce-limits refuses one byte more with MetadataTooLarge and the numbers', async () => {
    const err = await failure(encode(overLimit, 'enforce-limits'));
    expect(err.code).toBe('MetadataTooLarge');
    expect(err.details).toMatchObject({ bytes: 2048, limit: 2047, excess: 1 });
  });

  test('body-overflow keeps the smallest fields in metadata and moves the rest to the body', async () => {
    const stored = await encode(overLimit, 'body-overflow');
    expect(stored.body).toBeDefined();
    expect(metadataBytes(stored.metadata)).toBeLessThanOrEqual(METADATA_LIMIT);
    // the largest field (pad, then text) leaves metadata; the small ones stay
    expect(stored.metadata[map.title!]).toBeDefined();
    expect(stored.metadata[map.count!]).toBeDefined();
    expect(stored.metadata[map.pad!]).toBeUndefined();
    expect(await decode(stored)).toEqual(overLimit);
  });

  test('body-only keeps every field in the body at any size', async () => {
    for (const record of [atLimit, overLimit, { title: 'x' }]) {
      const stored = await encode(record, 'body-only');
      expect(Object.keys(stored.metadata).sort()).toEqual(['o-', 'v-']);
      expect(await decode(stored)).toEqual(record);
    }
  });

  test('user-managed reports the overflow once, then stores the whole record in the body', async () => {
    const onExceedsLimit = vi.fn();
    const stored = await encode(overLimit, 'user-managed', onExceedsLimit);
    expect(onExceedsLimit).toHaveBeenCalledOnce();
    expect(onExceedsLimit).toHaveBeenCalledWith({ bytes: 2048, limit: 2047, excess: 1 });
    expect(Object.keys(stored.metadata).sort()).toEqual(['o-', 'v-']);
    expect(await decode(stored)).toEqual(overLimit);
  });

  test('truncate-data cuts the first misfit at a character boundary, drops larger fields, marks the record', async () => {
    const long = text.repeat(4);
    const record = { title: 'Café ☕', count: 1e300, text: long, pad: 'x'.repeat(5000) };
    const stored = await encode(record, 'truncate-data');
    expect(stored.body).toBeUndefined();
    expect(isTruncated(stored.metadata)).toBe(true);
    const bytes = metadataBytes(stored.metadata);
    expect(bytes).toBeLessThanOrEqual(METADATA_LIMIT);
    const got = await decode(stored);
    expect(got.title).toBe(record.title);
    expect(got.count).toBe(record.count);
    expect(got.pad).toBeUndefined(); // the largest field is dropped
    const cut = got.text as string;
    expect(long.startsWith(cut)).toBe(true);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(long.length);
    expect(cut).not.toMatch(/[\ud800-\udbff]$/); // never half an emoji
    // as much as fits: one more character would overflow
    const next = Array.from(long)
      .slice(0, Array.from(cut).length + 1)
      .join('');
    const grown = bytes - encodeValue(cut).length + encodeValue(next).length;
    expect(grown).toBeGreaterThan(METADATA_LIMIT);
  });
});

describe('records', () => {
  test('metadataBytes counts the UTF-8 of keys and values, after encoding', async () => {
    expect(metadataBytes({ a: 'é', bb: '日本', c: '😀' })).toBe(1 + 2 + 2 + 6 + 1 + 4);
    const stored = await encode({ note: 'é'.repeat(10) }, 'enforce-limits');
    // s3db would count 20 bytes for the value; what is sent is its ASCII encoding
    expect(metadataBytes(stored.metadata)).toBe(SYSTEM_BYTES + 1 + stored.metadata[map.note!]!.length);
    expect(stored.metadata[map.note!]).toMatch(/^[\x20-\x7e]+$/);
  });

  test('every key is lowercase [a-z0-9-], with many attributes (no case-folding collisions)', async () => {
    const wide = compileSchema(
      Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`Field${i}`, 'number'])),
    );
    const wideMap = extendAttributeMap(
      {},
      0,
      wide.fields.map((f) => f.path),
    ).map;
    const record = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`Field${i}`, i]));
    const stored = await encodeRecord(record, {
      schema: wide,
      map: wideMap,
      version: 'v1',
      behavior: 'enforce-limits',
    });
    for (const key of Object.keys(stored.metadata)) expect(key).toMatch(/^[a-z0-9-]+$/);
    expect(new Set(Object.keys(stored.metadata).map((k) => k.toLowerCase())).size).toBe(81);
    const upperCased = Object.fromEntries(
      Object.entries(stored.metadata).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(await decodeRecord({ metadata: upperCased }, { schema: wide, map: wideMap })).toEqual(record);
  });

  test('empty nested objects survive, in metadata and in the body', async () => {
    const nested = compileSchema({ name: 'string', profile: { bio: 'string', address: { city: 'string' } } });
    const nestedMap = extendAttributeMap(
      {},
      0,
      nested.fields.map((f) => f.path),
    ).map;
    for (const record of [
      { profile: {} },
      { profile: { address: {} } },
      { name: 'x', profile: { bio: 'b', address: {} } },
      {},
    ]) {
      for (const behavior of ['body-overflow', 'body-only'] as const) {
        const stored = await encodeRecord(record, {
          schema: nested,
          map: nestedMap,
          version: 'v1',
          behavior,
        });
        expect(await decodeRecord(stored, { schema: nested, map: nestedMap })).toEqual(record);
      }
    }
  });

  test('the version is written and read back', async () => {
    const stored = await encodeRecord({}, { schema, map, version: 'v7 ☃', behavior: 'body-overflow' });
    expect(storedVersion(stored.metadata)).toBe('v7 ☃');
    expect(storedVersion({})).toBeUndefined();
  });

  test('system keys read the same with "_" or "-" (servers differ on "_" in metadata keys)', async () => {
    const record = { title: 'x', pad: 'y'.repeat(3000) };
    const stored = await encode(record, 'body-overflow');
    const underscored = Object.fromEntries(
      Object.entries(stored.metadata).map(([k, v]) => [k.replace('-', '_'), v]),
    );
    expect(underscored).toHaveProperty('o_');
    expect(storedVersion(underscored)).toBe(VERSION);
    expect(await decode({ metadata: underscored, body: stored.body! })).toEqual(record);
  });

  test('unknown metadata keys are ignored; a missing or damaged body is Corrupt', async () => {
    const stored = await encode({ title: 'x', pad: 'y'.repeat(3000) }, 'body-overflow');
    expect(await decode({ ...stored, metadata: { ...stored.metadata, 'other-app': 'z' } })).toEqual({
      title: 'x',
      pad: 'y'.repeat(3000),
    });
    expect((await failure(decode({ metadata: stored.metadata }))).code).toBe('Corrupt');
    const damaged = { metadata: stored.metadata, body: stored.body!.subarray(0, 10) };
    expect((await failure(decode(damaged))).code).toBe('Corrupt');
  });

  test('a field missing from the map, or an unknown behaviour, is InvalidArgument', async () => {
    const err = await failure(
      encodeRecord({ title: 'x' }, { schema, map: {}, version: 'v1', behavior: 'body-overflow' }),
    );
    expect(err.code).toBe('InvalidArgument');
    const bad = await failure(encode({ title: 'x' }, 'squeeze' as BehaviorName));
    expect(bad.code).toBe('InvalidArgument');
  });
});

describe('extendAttributeMap', () => {
  test('assigns base36 ids in order and never reuses one', () => {
    const paths = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const first = extendAttributeMap({}, 0, paths);
    expect(first.nextIndex).toBe(40);
    expect([first.map.f0, first.map.f9, first.map.f10, first.map.f35, first.map.f36, first.map.f39]).toEqual([
      '0',
      '9',
      'a',
      'z',
      '10',
      '13',
    ]);
    // f1 removed from the schema, g added: g gets a fresh id, f1 keeps its own
    const second = extendAttributeMap(first.map, first.nextIndex, ['f0', 'g']);
    expect(second.map.g).toBe('14');
    expect(second.map.f1).toBe('1');
    expect(extendAttributeMap(second.map, second.nextIndex, ['f0']).map).toEqual(second.map);
  });

  test('a nextIndex behind the map is refused', () => {
    expect(() => extendAttributeMap({ a: '0', b: '1' }, 1, ['c'])).toThrow(/already taken/);
  });
});
