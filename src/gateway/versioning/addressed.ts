/** The stored object a request addresses: the key's current one, or with `?versionId` that version's. */
import type { ObjectInfo } from '../../storage/index.js';
import { headOrUndefined, type RequestContext, type ServedBucket } from '../context.js';
import { s3Error } from '../s3-errors.js';
import { VERSION_META } from './layout.js';
import { locateVersion } from './store.js';

/** What {@link addressedObject} found: the stored info and its version name (undefined when unversioned). */
export interface AddressedObject {
  readonly info: ObjectInfo;
  readonly name: string | undefined;
}

/**
 * Heads the object `key` names, or the version `?versionId` names; throws `NoSuchKey` or
 * `NoSuchVersion` when there is none. A delete marker is returned as found: callers answer it their way.
 *
 * @example
 * const { info, name } = await addressedObject(ctx, bucket, key);
 * if (name && isMarker(name)) throw s3Error('MethodNotAllowed', 405, '...');
 */
export async function addressedObject(
  ctx: RequestContext,
  bucket: ServedBucket,
  key: string,
): Promise<AddressedObject> {
  const versionId = ctx.target.query.get('versionId');
  const place =
    versionId === undefined ? undefined : await locateVersion(bucket.base, key, versionId, ctx.signal);
  const info =
    versionId !== undefined && !place
      ? undefined
      : await headOrUndefined(bucket.base, place?.object ?? key, ctx.signal);
  if (!info) {
    throw versionId === undefined
      ? s3Error('NoSuchKey', 404, 'The specified key does not exist.', { key })
      : s3Error('NoSuchVersion', 404, 'The specified version does not exist.', { key, versionId });
  }
  return { info, name: info.metadata[VERSION_META] };
}
