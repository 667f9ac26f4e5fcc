/**
 * The version store of one bucket: every version an object under its key's version folder (layout.ts),
 * written create-only; the plain key a copy of the newest data version. Writers of one key take turns
 * inside a gateway process, so the plain key always mirrors the newest version; versions themselves
 * never depend on that (see docs/gateway.md, "Versioning").
 */
import { BucketkitError } from '../../errors.js';
import type { Body, ListedObject, Metadata, ObjectInfo, StoragePort } from '../../storage/index.js';
import { headOrUndefined, type ServedBucket } from '../context.js';
import { etagListMatches, visibleEtag } from '../http.js';
import { s3Error } from '../s3-errors.js';
import {
  isMarker,
  isNull,
  kindOf,
  newVersionName,
  VERSION_META,
  VERSIONS_PREFIX,
  versionFolder,
  versionObject,
} from './layout.js';
import type { BucketState } from './state.js';

const turns = new WeakMap<StoragePort, Map<string, Promise<unknown>>>();

/** Runs `fn` while no other versioned write of this key in this process runs. */
export async function keyTurn<T>(bucket: ServedBucket, key: string, fn: () => Promise<T>): Promise<T> {
  let queue = turns.get(bucket.base);
  if (!queue) {
    queue = new Map();
    turns.set(bucket.base, queue);
  }
  const before = queue.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.catch(() => {});
  queue.set(key, settled);
  try {
    return await run;
  } finally {
    if (queue.get(key) === settled) queue.delete(key);
  }
}

/** One version as the store lists it (newest first within a key). */
export type StoredVersion = ListedObject & { name: string };

/** Every version of a key, newest first. */
export async function versionsOf(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): Promise<StoredVersion[]> {
  const folder = versionFolder(key);
  const found: StoredVersion[] = [];
  for await (const entry of port.list({ prefix: folder, ...(signal ? { signal } : {}) })) {
    if (entry.type !== 'object') continue;
    const name = entry.key.slice(folder.length);
    if (kindOf(name) !== undefined) found.push({ ...entry, name });
  }
  return found;
}

/** The newest version of a key, or undefined (reads one entry of the listing). */
export async function newestVersion(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): Promise<StoredVersion | undefined> {
  const folder = versionFolder(key);
  for await (const entry of port.list({ prefix: folder, pageSize: 2, ...(signal ? { signal } : {}) })) {
    if (entry.type !== 'object') continue;
    const name = entry.key.slice(folder.length);
    if (kindOf(name) !== undefined) return { ...entry, name };
  }
  return undefined;
}

/** The version name the plain key's object has, made and stored as the null version when it has none. */
async function nameOfCurrent(
  port: StoragePort,
  key: string,
  current: ObjectInfo,
  keepNull: boolean,
  signal?: AbortSignal,
) {
  const named = current.metadata[VERSION_META];
  if (named) return named;
  // written before versioning was enabled: the null version, moved into the store before it is replaced
  if (!keepNull) return undefined;
  const name = newVersionName('n', current.lastModified.getTime());
  await port.copy(key, versionObject(key, name), {
    metadata: { ...current.metadata, [VERSION_META]: name },
    ...(current.contentType ? { contentType: current.contentType } : {}),
    ifSourceMatch: current.etag,
    ...(signal ? { signal } : {}),
  });
  return name;
}

/** S3's If-Match / If-None-Match of a write, checked against the current version. */
export interface VersionedConditions {
  ifNoneMatch?: string;
  ifMatch?: string;
}

function checkConditions(
  key: string,
  current: ObjectInfo | undefined,
  conditions: VersionedConditions,
): void {
  const failed = () =>
    s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
      key,
    });
  const { ifNoneMatch, ifMatch } = conditions;
  const matches = (list: string) =>
    current !== undefined &&
    (etagListMatches(list, visibleEtag(current)) || etagListMatches(list, current.etag));
  if (ifNoneMatch !== undefined && current && (ifNoneMatch.trim() === '*' || matches(ifNoneMatch)))
    throw failed();
  if (ifMatch !== undefined) {
    if (!current) throw s3Error('NoSuchKey', 404, 'The specified key does not exist.', { key });
    if (!matches(ifMatch)) throw failed();
  }
}

/** Removes the null versions of a key other than `keep` (a suspended bucket has at most one). */
async function dropOtherNulls(port: StoragePort, key: string, keep: string, signal?: AbortSignal) {
  for (const version of await versionsOf(port, key, signal)) {
    if (version.name !== keep && isNull(version.name))
      await port.delete(version.key, signal ? { signal } : {});
  }
}

/**
 * Version objects are written create-only where the port enforces it; elsewhere (erasure) their names,
 * unique by clock, sequence and randomness, and the key's turn in this process keep them apart.
 */
const createOnly = (bucket: ServedBucket): { ifNoneMatch?: '*' } =>
  bucket.conditional ? { ifNoneMatch: '*' } : {};

/**
 * Whether a write may leave the key's current object unread: only when it names its version already
 * (`allNamed`) and versioning is enabled (a suspended bucket replaces its null version).
 */
const skipsCurrent = (state: BucketState): boolean =>
  state.allNamed === true && state.versioning === 'Enabled';

/** What writing a version gives back. */
export interface VersionWritten {
  etag: string;
  size: number;
  /** The id clients see (`null` in a suspended bucket). */
  versionId: string;
}

/**
 * Writes a new version of `key` and makes it current: the old plain object (a null version written
 * before versioning) is moved into the store first, the new one is written create-only into its own
 * version object, then copied to the plain key.
 *
 * @example
 * ```ts
 * const { versionId } = await writeVersion(bucket, state, 'a.txt', 'hello', { metadata: {} }, {});
 * ```
 */
export function writeVersion(
  bucket: ServedBucket,
  state: BucketState,
  key: string,
  body: Body,
  options: { metadata: Metadata; contentType?: string; signal?: AbortSignal },
  conditions: VersionedConditions,
  extraMetadata: Metadata = {},
): Promise<VersionWritten> {
  // the version's bytes go through the request's port (which may seal them); the rest moves stored
  // objects as they are
  const port = bucket.base;
  const signal = options.signal;
  return keyTurn(bucket, key, async () => {
    const suspended = state.versioning === 'Suspended';
    const conditional = conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined;
    if (!skipsCurrent(state) || conditional) {
      const current = await headOrUndefined(port, key, signal);
      checkConditions(key, current, conditions);
      if (current) await nameOfCurrent(port, key, current, !suspended, signal);
    }
    const name = newVersionName(suspended ? 'n' : 'v');
    const stored = versionObject(key, name);
    const written = {
      metadata: { ...options.metadata, ...extraMetadata, [VERSION_META]: name },
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...createOnly(bucket),
      ...(signal ? { signal } : {}),
    };
    const mirrored = bucket.port.putMirrored;
    // the key mirrors its newest version: one write where the port can (the file port), else two
    const result = mirrored
      ? await mirrored.call(bucket.port, stored, key, body, written)
      : await bucket.port.put(stored, body, written);
    if (suspended) await dropOtherNulls(port, key, name, signal);
    if (!mirrored) await port.copy(stored, key, { mirror: true, ...(signal ? { signal } : {}) });
    return { etag: result.etag, size: result.size, versionId: suspended ? 'null' : name };
  });
}

/**
 * DeleteObject without a version id in a versioned bucket: a delete marker becomes the newest version
 * (a null one when suspended) and the plain key goes.
 */
export function writeDeleteMarker(
  bucket: ServedBucket,
  state: BucketState,
  key: string,
  signal?: AbortSignal,
): Promise<string> {
  const port = bucket.base;
  return keyTurn(bucket, key, async () => {
    const suspended = state.versioning === 'Suspended';
    if (!skipsCurrent(state)) {
      const current = await headOrUndefined(port, key, signal);
      if (current) await nameOfCurrent(port, key, current, !suspended, signal);
    }
    const name = newVersionName(suspended ? 'x' : 'm');
    await port.put(versionObject(key, name), new Uint8Array(0), {
      metadata: { [VERSION_META]: name },
      ...createOnly(bucket),
      ...(signal ? { signal } : {}),
    });
    if (suspended) await dropOtherNulls(port, key, name, signal);
    await port.delete(key, signal ? { signal } : {});
    return name;
  });
}

/** Checks a client's version id: `null` or one of ours (S3 answers 400 to anything else). */
export function assertVersionId(versionId: string): void {
  if (versionId !== 'null' && kindOf(versionId) === undefined) {
    throw s3Error('InvalidArgument', 400, 'Invalid version id specified', { versionId });
  }
}

/** Where a version is: its name and the object holding it. */
export interface VersionPlace {
  name: string;
  /** The version object, or the plain key for a null version written before versioning. */
  object: string;
}

/**
 * Where the version a client names would be. A non-null id needs no request (its object may not exist);
 * `null` lists the key's versions, and looks at the plain key when it has none.
 */
export async function locateVersion(
  port: StoragePort,
  key: string,
  versionId: string,
  signal?: AbortSignal,
): Promise<VersionPlace | undefined> {
  assertVersionId(versionId);
  if (versionId !== 'null') return { name: versionId, object: versionObject(key, versionId) };
  const versions = await versionsOf(port, key, signal);
  const found = versions.find((v) => isNull(v.name));
  if (found) return { name: found.name, object: found.key };
  if (versions.length > 0) return undefined;
  const plain = await headOrUndefined(port, key, signal);
  if (!plain || plain.metadata[VERSION_META]) return undefined;
  return { name: 'null', object: key };
}

/**
 * Removes one version for good. When it was the newest, the next one becomes current first (its copy at
 * the plain key, or no plain key when that is a delete marker), so a crash never leaves the removed
 * version readable.
 */
export function removeVersion(
  bucket: ServedBucket,
  key: string,
  found: VersionPlace,
  signal?: AbortSignal,
): Promise<void> {
  const port = bucket.base;
  const opts = signal ? { signal } : {};
  return keyTurn(bucket, key, async () => {
    if (found.object === key) {
      await port.delete(key, opts);
      return;
    }
    const versions = await versionsOf(port, key, signal);
    if (versions[0]?.name === found.name) {
      const next = versions[1];
      if (next && !isMarker(next.name)) await port.copy(next.key, key, { ...opts, mirror: true });
      else await port.delete(key, opts);
    }
    await port.delete(found.object, opts);
  });
}

/** True when the bucket's port holds any version (a bucket with versions cannot be deleted). */
export async function hasVersions(port: StoragePort, signal?: AbortSignal): Promise<boolean> {
  for await (const entry of port.list({
    prefix: VERSIONS_PREFIX,
    pageSize: 1,
    ...(signal ? { signal } : {}),
  })) {
    if (entry.type === 'object') return true;
  }
  return false;
}

/** A `NotFound` from the port. */
export const isNotFound = (err: unknown): boolean => BucketkitError.is(err, 'NotFound');
