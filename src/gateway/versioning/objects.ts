/**
 * Object operations that know versions: GET/HEAD/DELETE with or without `versionId`, the version a copy
 * reads, and the metadata a write may not carry over. Unversioned buckets take the plain paths at no cost
 * beyond the cached bucket state.
 */
import type { GetResult, Metadata } from '../../storage/index.js';
import { assertClientKey, headOrUndefined, type RequestContext, type ServedBucket } from '../context.js';
import { HIDDEN_PREFIX, send } from '../http.js';
import { notify } from '../notifier.js';
import { s3Error } from '../s3-errors.js';
import { clientVersionId, isMarker, VERSION_META } from './layout.js';
import { lockMetadata } from './lock.js';
import { bucketState } from './state.js';
import { isNotFound, locateVersion, newestVersion, removeVersion, writeDeleteMarker } from './store.js';

const noSuchVersion = (key: string, versionId: string) =>
  s3Error('NoSuchVersion', 404, 'The specified version does not exist.', { key, versionId });

/** Adds the delete-marker headers S3 sends with a 404 for a key whose newest version is a marker. */
async function markIfDeleted(ctx: RequestContext, bucket: ServedBucket, key: string): Promise<void> {
  if ((await bucketState(bucket)).versioning === 'Unversioned') return;
  const newest = await newestVersion(bucket.base, key, ctx.signal);
  if (newest && isMarker(newest.name)) {
    ctx.res.setHeader('x-amz-delete-marker', 'true');
    ctx.res.setHeader('x-amz-version-id', clientVersionId(newest.name));
  }
}

/**
 * GetObject / HeadObject. Without `versionId` the plain read (`read()`); with it, the version's object
 * (`read(object)`), `NoSuchVersion` when there is none, and 405 with `x-amz-delete-marker` for a marker.
 *
 * @example
 * ```ts
 * await readObject(ctx, bucket, (object) => getObject(ctx, bucket, false, object));
 * ```
 */
export async function readObject(
  ctx: RequestContext,
  bucket: ServedBucket,
  read: (object?: string) => Promise<void>,
): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const versionId = ctx.target.query.get('versionId');
  if (versionId === undefined) {
    try {
      return await read();
    } catch (err) {
      if (isNotFound(err)) await markIfDeleted(ctx, bucket, key);
      throw err;
    }
  }
  const place = await locateVersion(bucket.base, key, versionId, ctx.signal);
  if (!place) throw noSuchVersion(key, versionId);
  if (isMarker(place.name)) {
    const marker = await headOrUndefined(bucket.base, place.object, ctx.signal);
    if (!marker) throw noSuchVersion(key, versionId);
    ctx.res.setHeader('x-amz-delete-marker', 'true');
    ctx.res.setHeader('x-amz-version-id', clientVersionId(place.name));
    ctx.res.setHeader('last-modified', marker.lastModified.toUTCString());
    ctx.res.setHeader('allow', 'DELETE');
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  try {
    await read(place.object);
  } catch (err) {
    if (isNotFound(err)) throw noSuchVersion(key, versionId);
    throw err;
  }
}

/**
 * DeleteObject. Unversioned: `plain()`. Versioned without `versionId`: a delete marker. With
 * `versionId`: that version is removed for good (204 also when there is none, as S3 answers).
 */
export async function deleteObjectVersion(
  ctx: RequestContext,
  bucket: ServedBucket,
  plain: () => Promise<void>,
  guard: (key: string, object: string) => Promise<void>,
): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const versionId = ctx.target.query.get('versionId');
  const state = await bucketState(bucket);
  if (versionId === undefined) {
    if (state.versioning === 'Unversioned') return plain();
    const name = await writeDeleteMarker(bucket, state, key, ctx.signal);
    send(ctx.res, 204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': clientVersionId(name) });
    notify(ctx, bucket, 'ObjectRemoved:DeleteMarkerCreated', { key });
    return;
  }
  const place = await locateVersion(bucket.base, key, versionId, ctx.signal);
  if (place) {
    await guard(key, place.object);
    await removeVersion(bucket, key, place, ctx.signal);
  }
  send(ctx.res, 204, {
    'x-amz-version-id': versionId,
    ...(place && isMarker(place.name) ? { 'x-amz-delete-marker': 'true' } : {}),
  });
  if (place) notify(ctx, bucket, 'ObjectRemoved:Delete', { key });
}

/**
 * Reads the version a copy names (`x-amz-copy-source: /bucket/key?versionId=...`); a delete marker
 * cannot be copied.
 */
export async function openVersion(
  bucket: ServedBucket,
  key: string,
  versionId: string,
  options: { signal: AbortSignal; range?: { start: number; end: number } },
): Promise<GetResult> {
  const place = await locateVersion(bucket.base, key, versionId, options.signal);
  if (!place) throw noSuchVersion(key, versionId);
  if (isMarker(place.name)) {
    throw s3Error(
      'InvalidRequest',
      400,
      'The source of a copy request may not specifically refer to a delete marker by version id.',
      { key },
    );
  }
  try {
    return await bucket.port.get(place.object, options);
  } catch (err) {
    if (isNotFound(err)) throw noSuchVersion(key, versionId);
    throw err;
  }
}

/** The `x-amz-version-id` header of a write's answer (none for an unversioned bucket). */
export const versionHeader = (written: { versionId?: string }): Record<string, string> =>
  written.versionId === undefined ? {} : { 'x-amz-version-id': written.versionId };

/** The version id of a stored object, for `x-amz-copy-source-version-id`. */
export const storedVersionId = (metadata: Metadata): string | undefined => {
  const name = metadata[VERSION_META];
  return name === undefined ? undefined : clientVersionId(name);
};

/** Metadata to copy from a source: without what belongs to the source version (id, retention, hold). */
export function carriedMetadata(metadata: Metadata): Metadata {
  const kept: Metadata = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (name === VERSION_META || name.startsWith(`${HIDDEN_PREFIX}lock-`)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Metadata without a version id (a write makes its own). */
export function withoutVersionId(metadata: Metadata): Metadata {
  if (!(VERSION_META in metadata)) return metadata;
  const { [VERSION_META]: _, ...rest } = metadata;
  return rest;
}

/**
 * The object-lock metadata a write request gets (its `x-amz-object-lock-*` headers or the bucket's
 * default retention); nothing in a bucket without object lock, where those headers are refused.
 */
export async function requestLock(ctx: RequestContext, bucket: ServedBucket): Promise<Metadata> {
  return lockMetadata(ctx, await bucketState(bucket));
}

/** What one deletion of a DeleteObjects request did, as its `Deleted` entry shows it. */
export interface BatchDeleted {
  VersionId?: string;
  DeleteMarker?: boolean;
  DeleteMarkerVersionId?: string;
}

/**
 * One key (and maybe version) of DeleteObjects in a bucket that is or was versioned, or any bucket
 * when a version id is given; undefined when the plain delete applies.
 */
export async function deleteInBatch(
  ctx: RequestContext,
  bucket: ServedBucket,
  key: string,
  versionId: string | undefined,
  guard: (key: string, object: string) => Promise<void>,
): Promise<BatchDeleted | undefined> {
  const state = await bucketState(bucket);
  if (versionId === undefined) {
    if (state.versioning === 'Unversioned') return undefined;
    const name = await writeDeleteMarker(bucket, state, key, ctx.signal);
    return { DeleteMarker: true, DeleteMarkerVersionId: clientVersionId(name) };
  }
  const place = await locateVersion(bucket.base, key, versionId, ctx.signal);
  if (!place) return { VersionId: versionId };
  await guard(key, place.object);
  await removeVersion(bucket, key, place, ctx.signal);
  return isMarker(place.name)
    ? { VersionId: versionId, DeleteMarker: true, DeleteMarkerVersionId: versionId }
    : { VersionId: versionId };
}
