/** Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. */
import { smallBody } from '../body.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { send, sendXml } from '../http.js';
import {
  assertPolicyFor,
  bucketPolicy,
  compilePolicy,
  isPublicPolicy,
  writeBucketPolicy,
} from '../policy/index.js';
import { s3Error } from '../s3-errors.js';
import { toXml } from '../xml.js';
import { ALL_USERS, AUTHENTICATED_USERS } from './acl.js';
import { bucketGuards, effectiveAcl } from './bucket-guards.js';
import { bucketAcl } from './store.js';

function usersOf(ctx: RequestContext) {
  if (!ctx.users) {
    throw s3Error(
      'NotImplemented',
      501,
      'bucket policies need gateway users (bucketkit serve --users users.json): without them every key may do everything',
    );
  }
  return ctx.users;
}

/**
 * PutBucketPolicy: the document is checked (MalformedPolicy, PolicyTooLarge), must speak of this
 * bucket and known users, and is refused (403) when public under BlockPublicPolicy. 204.
 *
 * @example
 * ```ts
 * await putBucketPolicy(ctx, bucket);
 * ```
 */
export async function putBucketPolicy(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const users = usersOf(ctx);
  const policy = compilePolicy(await smallBody(ctx));
  assertPolicyFor(policy, bucket.name, (id) => users.byId(id) !== undefined);
  const guards = await bucketGuards(bucket, ctx.signal);
  if (guards.block?.BlockPublicPolicy && isPublicPolicy(policy)) {
    throw s3Error(
      'AccessDenied',
      403,
      'Access Denied: the policy is public and the bucket blocks public policies (PublicAccessBlock BlockPublicPolicy)',
    );
  }
  await writeBucketPolicy(bucket, policy, ctx.signal);
  send(ctx.res, 204);
}

const noPolicy = (bucket: ServedBucket) =>
  s3Error('NoSuchBucketPolicy', 404, 'The bucket policy does not exist', { bucket: bucket.name });

/** GetBucketPolicy: the document as it was put, or `NoSuchBucketPolicy`. */
export async function getBucketPolicy(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  usersOf(ctx);
  const policy = await bucketPolicy(bucket, ctx.signal);
  if (!policy) throw noPolicy(bucket);
  send(ctx.res, 200, { 'content-type': 'application/json' }, policy.text);
}

/** DeleteBucketPolicy: 204 (also when there is none, as S3 answers). */
export async function deleteBucketPolicy(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  usersOf(ctx);
  await writeBucketPolicy(bucket, undefined, ctx.signal);
  send(ctx.res, 204);
}

/**
 * GetBucketPolicyStatus: IsPublic when the policy is public or the bucket's ACL (as the public access
 * block lets it count) grants AllUsers or AuthenticatedUsers; false for a bucket with neither.
 */
export async function getBucketPolicyStatus(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const users = usersOf(ctx);
  const [policy, guards, acl] = await Promise.all([
    bucketPolicy(bucket, ctx.signal),
    bucketGuards(bucket, ctx.signal),
    bucketAcl(bucket.base, users),
  ]);
  const publicAcl = effectiveAcl(acl, guards).grants.some(
    (g) => 'uri' in g.grantee && (g.grantee.uri === ALL_USERS || g.grantee.uri === AUTHENTICATED_USERS),
  );
  const isPublic = publicAcl || (policy !== undefined && isPublicPolicy(policy));
  sendXml(ctx.res, toXml('PolicyStatus', { IsPublic: isPublic }));
}
