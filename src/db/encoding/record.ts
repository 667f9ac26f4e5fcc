/**
 * Records ↔ what is stored: the schema's leaf fields under their base36 ids, each value through the
 * metadata codec, placed by a behaviour, secrets encrypted, plus the `v-` schema version.
 */
import { bkError } from '../../errors.js';
import type { SecretCipher } from '../crypto/index.js';
import type { CompiledSchema } from '../schema/index.js';
import type { AttributeMap } from './attribute-map.js';
import { utf8, utf8Length } from './base.js';
import { type BehaviorName, type Entry, type ExceedsLimit, place, VERSION_KEY } from './behaviors.js';
import { openSecret, previousSecrets, sealSecret } from './secrets.js';
import { decodeFlat, isObject, type StoredRecord } from './stored.js';
import { encodeString, encodeValue, stringifyJson } from './values.js';

export type { StoredRecord };

export interface EncodeContext {
  schema: CompiledSchema;
  map: AttributeMap;
  /** The schema version id, written as `v-` (the `_v` of s3db; `-` because Ceph RGW rewrites `_` in keys). */
  version: string;
  behavior: BehaviorName;
  cipher?: SecretCipher;
  /** The stored form being replaced: unchanged secret values are reused, not re-encrypted. */
  previous?: { record: Record<string, unknown>; stored: StoredRecord };
  /** `user-managed` reports a record too large for metadata through this. */
  onExceedsLimit?: (info: ExceedsLimit) => void;
}

export interface DecodeContext {
  schema: CompiledSchema;
  map: AttributeMap;
  cipher?: SecretCipher;
}

/**
 * Encodes a (validated) record. Only the schema's fields are written; anything else, such as the id
 * that lives in the object key, is ignored.
 *
 * @example
 * ```ts
 * const stored = await encodeRecord(user, { schema, map, version: 'v1', behavior: 'body-overflow', cipher });
 * await port.put(key, stored.body ?? new Uint8Array(), { metadata: stored.metadata });
 * ```
 */
export async function encodeRecord(
  record: Record<string, unknown>,
  ctx: EncodeContext,
): Promise<StoredRecord> {
  if (typeof record !== 'object' || record === null) {
    throw bkError('InvalidArgument', 'a record must be an object');
  }
  const secrets = new Set(ctx.schema.secretPaths);
  const reused = ctx.previous
    ? previousSecrets(ctx.schema.secretPaths, ctx.map, ctx.previous, ctx.cipher)
    : undefined;
  const { leaves, markers } = flatten(
    record,
    ctx.schema.fields.map((field) => field.path),
  );
  const entries: Entry[] = [];
  for (const { path, value } of leaves) {
    const id = idOf(ctx.map, path);
    const secret = secrets.has(path) && value !== null;
    const stored = secret ? await sealSecret(path, value, ctx.cipher, reused) : value;
    const token = encodeValue(stored);
    const text = typeof value === 'string' && !secrets.has(path) ? value : undefined;
    entries.push({
      key: id,
      token,
      bodyKey: id,
      bodyValue: stored,
      bytes: utf8Length(id) + token.length,
      text,
    });
  }
  for (const { leaf, depth } of markers) {
    const id = idOf(ctx.map, leaf);
    const token = `~o${depth}`;
    entries.push({
      key: id,
      token,
      bodyKey: `${id}!`,
      bodyValue: depth,
      bytes: utf8Length(id) + token.length,
    });
  }

  const placement = place(
    entries,
    { [VERSION_KEY]: encodeString(ctx.version) },
    ctx.behavior,
    ctx.onExceedsLimit,
  );
  return placement.body === undefined
    ? { metadata: placement.metadata }
    : { metadata: placement.metadata, body: utf8(stringifyJson(placement.body)) };
}

/**
 * Decodes a stored record with the map of the version that wrote it. Secret fields are decrypted.
 * Throws `Corrupt` when the stored form cannot have been written by {@link encodeRecord}.
 *
 * @example
 * ```ts
 * const got = await port.get(key);
 * const user = await decodeRecord({ metadata: got.metadata, body: await got.bytes() }, { schema, map, cipher });
 * ```
 */
export async function decodeRecord(
  stored: StoredRecord,
  ctx: DecodeContext,
): Promise<Record<string, unknown>> {
  const flat = decodeFlat(stored, ctx.map);
  const secrets = new Set(ctx.schema.secretPaths);
  const record: Record<string, unknown> = {};
  for (const [path, value] of flat.values) {
    setPath(record, path.split('.'), secrets.has(path) ? await openSecret(path, value, ctx.cipher) : value);
  }
  for (const [path, depth] of flat.markers) setPath(record, path.split('.').slice(0, depth), undefined);
  return record;
}

function idOf(map: AttributeMap, path: string): string {
  const id = map[path];
  if (id === undefined) {
    throw bkError(
      'InvalidArgument',
      `field "${path}" has no id: extend the map with the schema's field paths`,
      {
        details: { path },
      },
    );
  }
  return id;
}

/**
 * The leaf values present in a record, and a marker for each object that is present but holds no leaf
 * value (so `{ profile: {} }` comes back as it went in). A marker names the object's first leaf and
 * its depth; only the deepest such objects get one, since a marker recreates every enclosing object.
 */
function flatten(
  record: Record<string, unknown>,
  paths: readonly string[],
): { leaves: { path: string; value: unknown }[]; markers: { leaf: string; depth: number }[] } {
  const leaves: { path: string; value: unknown }[] = [];
  const covered = new Set<string>();
  const present = new Map<string, string>(); // object path → first leaf under it
  for (const path of paths) {
    const segments = path.split('.');
    let value: unknown = record;
    for (let depth = 0; depth < segments.length && value !== undefined; depth++) {
      value = isObject(value) ? value[segments[depth]!] : undefined;
      if (depth < segments.length - 1 && isObject(value)) {
        const objectPath = segments.slice(0, depth + 1).join('.');
        if (!present.has(objectPath)) present.set(objectPath, path);
      }
    }
    if (value === undefined) continue;
    leaves.push({ path, value });
    for (let depth = 1; depth < segments.length; depth++) covered.add(segments.slice(0, depth).join('.'));
  }
  const empty = [...present.keys()].filter((objectPath) => !covered.has(objectPath));
  const markers = empty
    .filter((objectPath) => !empty.some((other) => other.startsWith(`${objectPath}.`)))
    .map((objectPath) => ({ leaf: present.get(objectPath)!, depth: objectPath.split('.').length }));
  return { leaves, markers };
}

/** Sets a value at a path, creating objects on the way; `undefined` only creates the objects. */
function setPath(record: Record<string, unknown>, segments: string[], value: unknown): void {
  let target = record;
  const last = value === undefined ? segments.length : segments.length - 1;
  for (let i = 0; i < last; i++) {
    const segment = segments[i]!;
    if (!isObject(target[segment])) target[segment] = {};
    target = target[segment] as Record<string, unknown>;
  }
  if (value !== undefined) target[segments[segments.length - 1]!] = value;
}
