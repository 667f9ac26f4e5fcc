/** Object and bucket tagging: `?tagging` GET, PUT and DELETE. */

import type { Metadata } from '../storage/index.js';
import { smallBody } from './body.js';
import { readBucketConfig, writeBucketConfig } from './bucket-config.js';
import { assertClientKey, headOrUndefined, type RequestContext, type ServedBucket } from './context.js';
import { send, sendXml } from './http.js';
import {
  readTags,
  rewriteMetadata,
  TAGS_META,
  type Tag,
  tagsFromXml,
  tagsMetadata,
  withoutTags,
} from './meta/index.js';
import { notify } from './notifier.js';
import { s3Error } from './s3-errors.js';
import {
  addressedObject,
  bucketState,
  clientVersionId,
  isMarker,
  keyTurn,
  VERSION_META,
  versionObject,
} from './versioning/index.js';
import { toXml } from './xml.js';

const taggingXml = (tags: readonly Tag[]) =>
  toXml('Tagging', { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } });

/** The object a tagging request addresses: the key's, or with `versionId` that version's object. */
async function taggedObject(ctx: RequestContext, bucket: ServedBucket) {
  const key = assertClientKey(ctx.target.key);
  const { info, name } = await addressedObject(ctx, bucket, key);
  if (name && isMarker(name)) {
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  return { key, info, name, header: { 'x-amz-version-id': name ? clientVersionId(name) : 'null' } };
}

/**
 * Changes the tag entry of an object's metadata. Unversioned: the key's object is rewritten over
 * exactly the version read. Versioned: the version's object and, when it is the current version, the
 * key's copy of it are rewritten in place (a copy onto itself), as object lock rewrites its metadata.
 */
async function changeTags(
  ctx: RequestContext,
  bucket: ServedBucket,
  target: { key: string; name: string | undefined },
  change: (metadata: Metadata) => Metadata,
): Promise<void> {
  const { key, name } = target;
  if ((await bucketState(bucket)).versioning === 'Unversioned' && !name) {
    await rewriteMetadata(bucket, key, change, ctx.signal);
    return;
  }
  await keyTurn(bucket, key, async () => {
    const objects = name ? [versionObject(key, name), key] : [key];
    for (const object of objects) {
      const info = await headOrUndefined(bucket.base, object, ctx.signal);
      if (!info || (object === key && info.metadata[VERSION_META] !== name)) continue;
      await bucket.base.copy(object, object, {
        metadata: change(info.metadata),
        ...(info.contentType ? { contentType: info.contentType } : {}),
        ifSourceMatch: info.etag,
        signal: ctx.signal,
      });
    }
  });
}

/** GetObjectTagging: the object's (or version's) tag set, empty when it has none. */
export async function getObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const target = await taggedObject(ctx, bucket);
  const tags = await readTags(bucket.base, target.info.metadata, ctx.signal);
  sendXml(ctx.res, taggingXml(tags), 200, target.header);
}

/** PutObjectTagging: replaces the tag set (10 tags at most). */
export async function putObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const tags = tagsFromXml(await smallBody(ctx), 10);
  const target = await taggedObject(ctx, bucket);
  const entry = await tagsMetadata(bucket.base, tags, ctx.signal);
  await changeTags(ctx, bucket, target, (m) => ({ ...withoutTags(m), ...entry }));
  send(ctx.res, 200, target.header);
  notify(ctx, bucket, 'ObjectTagging:Put', { key: target.key });
}

/** DeleteObjectTagging: removes the tags; 204. */
export async function deleteObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const target = await taggedObject(ctx, bucket);
  if (target.info.metadata[TAGS_META] !== undefined) await changeTags(ctx, bucket, target, withoutTags);
  send(ctx.res, 204, target.header);
  notify(ctx, bucket, 'ObjectTagging:Delete', { key: target.key });
}

/** GetBucketTagging: the bucket's tag set, or `NoSuchTagSet` when it has none. */
export async function getBucketTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const tags = await readBucketConfig<Tag[]>(bucket, 'tagging', ctx.signal);
  if (!tags) throw s3Error('NoSuchTagSet', 404, 'The TagSet does not exist', { bucket: bucket.name });
  sendXml(ctx.res, taggingXml(tags));
}

/** PutBucketTagging: replaces the bucket's tag set (50 tags at most). */
export async function putBucketTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const tags = tagsFromXml(await smallBody(ctx), 50);
  await writeBucketConfig(bucket, 'tagging', tags, ctx.signal);
  send(ctx.res, 204);
}

/** DeleteBucketTagging: 204 whether or not tags were set. */
export async function deleteBucketTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'tagging', undefined, ctx.signal);
  send(ctx.res, 204);
}
