/** Object and bucket tagging: `?tagging` GET, PUT and DELETE. */
import { smallBody } from './body.js';
import { readBucketConfig, writeBucketConfig } from './bucket-config.js';
import { assertClientKey, type RequestContext, type ServedBucket } from './context.js';
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
import { s3Error } from './s3-errors.js';
import { bucketState } from './versioning/index.js';
import { toXml } from './xml.js';

const taggingXml = (tags: readonly Tag[]) =>
  toXml('Tagging', { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } });

/** GetObjectTagging: the object's tag set (empty when it has none). */
export async function getObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const info = await bucket.base.head(key, { signal: ctx.signal });
  sendXml(ctx.res, taggingXml(await readTags(bucket.base, info.metadata, ctx.signal)), 200, {
    'x-amz-version-id': 'null',
  });
}

/** Tag changes rewrite the key's object; in a versioned bucket that would leave its stored version behind. */
async function assertUnversioned(bucket: ServedBucket): Promise<void> {
  if ((await bucketState(bucket)).versioning !== 'Unversioned') {
    throw s3Error(
      'NotImplemented',
      501,
      'changing the tags of an object in a versioned bucket is not implemented yet; send x-amz-tagging with the PUT',
    );
  }
}

/** PutObjectTagging: replaces the object's tag set (10 tags at most). */
export async function putObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  await assertUnversioned(bucket);
  const tags = tagsFromXml(await smallBody(ctx), 10);
  await bucket.base.head(key, { signal: ctx.signal });
  const entry = await tagsMetadata(bucket.base, tags, ctx.signal);
  await rewriteMetadata(bucket, key, (m) => ({ ...withoutTags(m), ...entry }), ctx.signal);
  send(ctx.res, 200, { 'x-amz-version-id': 'null' });
}

/** DeleteObjectTagging: removes the object's tags; 204. */
export async function deleteObjectTagging(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const info = await bucket.base.head(key, { signal: ctx.signal });
  if (info.metadata[TAGS_META] !== undefined) {
    await assertUnversioned(bucket);
    await rewriteMetadata(bucket, key, withoutTags, ctx.signal);
  }
  send(ctx.res, 204, { 'x-amz-version-id': 'null' });
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
