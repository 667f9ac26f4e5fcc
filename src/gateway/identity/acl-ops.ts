import { smallBody } from '../body.js';
import { acl as singleOwnerAcl } from '../bucket-ops.js';
import { assertClientKey, type RequestContext, type ServedBucket, servedBucket } from '../context.js';
import { send, sendXml } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { addressedObject, isMarker, rewriteVersionMetadata, VERSION_META } from '../versioning/index.js';
import { childrenNamed, childText, parseXml } from '../xml.js';
import { type Acl, aclFromHeaders, aclXml, decodeAcl, encodeAcl, hasAclHeaders, parseAclXml } from './acl.js';
import { assertAclAllowed, guardsOf } from './bucket-guards.js';
import { ACL_META, bucketAcl, OWNER_META, objectAcl, writeBucketAcl } from './store.js';

/**
 * GetBucketAcl / GetObjectAcl: the recorded ACL (authorization already checked READ_ACP). Without
 * users the one owner has full control.
 *
 * @example
 * ```ts
 * await getAcl(ctx, 'photos');
 * ```
 */
export async function getAcl(ctx: RequestContext, name: string): Promise<void> {
  const users = ctx.users;
  if (!users) return singleOwnerAcl(ctx, name);
  const bucket = await servedBucket(ctx.buckets, name);
  const acl = await bucketAcl(bucket.port, users);
  if (ctx.target.key === undefined) return sendXml(ctx.res, aclXml(acl, users));
  const key = assertClientKey(ctx.target.key);
  const version = await addressedVersion(ctx, bucket, key);
  const info = version ? version.info : await bucket.port.head(key, { signal: ctx.signal });
  sendXml(ctx.res, aclXml(objectAcl(info, acl.owner), users));
}

/**
 * The version `?versionId` names (undefined without one, or for "null": the key's object then); a
 * delete marker has no ACL to read or set.
 */
async function addressedVersion(ctx: RequestContext, bucket: ServedBucket, key: string) {
  const versionId = ctx.target.query.get('versionId');
  if (versionId === undefined || versionId === 'null') return undefined;
  const found = await addressedObject(ctx, bucket, key);
  if (found.name && isMarker(found.name)) {
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  return found;
}

/**
 * PutBucketAcl / PutObjectAcl: a canned ACL or grant headers, or an AccessControlPolicy body (whose
 * Owner must stay the owner). Without users only `private` is accepted (it is what holds).
 *
 * @example
 * ```ts
 * await putAcl(ctx, 'photos');
 * ```
 */
export async function putAcl(ctx: RequestContext, name: string): Promise<void> {
  const users = ctx.users;
  const bucket = await servedBucket(ctx.buckets, name);
  if (!users) {
    singleOwnerPolicy((await smallBody(ctx)).trim());
    return send(ctx.res, 200);
  }
  const current = await bucketAcl(bucket.port, users);
  const key = ctx.target.key === undefined ? undefined : assertClientKey(ctx.target.key);
  const version = key === undefined ? undefined : await addressedVersion(ctx, bucket, key);
  const info =
    key === undefined ? undefined : (version?.info ?? (await bucket.port.head(key, { signal: ctx.signal })));
  const owner = info ? objectAcl(info, current.owner).owner : current.owner;
  const body = (await smallBody(ctx)).trim();
  const fromHeaders = aclFromHeaders(ctx.req.headers, owner, current.owner, users);
  if (fromHeaders && body) {
    throw s3Error(
      'UnexpectedContent',
      400,
      'This request does not support content when ACL headers are given',
    );
  }
  const next: Acl | undefined = fromHeaders ?? (body ? parseAclXml(body, owner, users) : undefined);
  if (!next)
    throw s3Error(
      'MissingSecurityHeader',
      400,
      'Your request was missing a required header: x-amz-acl or an AccessControlPolicy body',
    );
  if (body) assertAclAllowed(guardsOf(ctx), next, undefined);
  if (key === undefined || !info) {
    await writeBucketAcl(bucket.port, next);
    return send(ctx.res, 200);
  }
  const stamp = { [OWNER_META]: next.owner, [ACL_META]: encodeAcl(next) };
  // a versioned key's current object is also its newest version: both copies carry the ACL
  const versionName = version ? version.name : info.metadata[VERSION_META];
  if (versionName) {
    await rewriteVersionMetadata(
      bucket,
      { key, name: versionName },
      (m) => Object.assign(m, stamp),
      ctx.signal,
    );
    return send(ctx.res, 200);
  }
  // the object's bytes stay; its metadata is rewritten in place under the key's write lock
  await bucket.exclusive(key, () =>
    bucket.port.copy(key, key, {
      metadata: { ...info.metadata, ...stamp },
      ...(info.contentType ? { contentType: info.contentType } : {}),
      ifSourceMatch: info.etag,
      signal: ctx.signal,
    }),
  );
  send(ctx.res, 200);
}

/**
 * Without users there is one owner with full control, and that is the only ACL that can hold: a
 * document granting anything else is refused (authorization already refused such headers).
 */
function singleOwnerPolicy(body: string): void {
  if (!body) return;
  const root = parseXml(body);
  if (root.name !== 'AccessControlPolicy') {
    throw s3Error('MalformedACLError', 400, 'the body must be an AccessControlPolicy');
  }
  const list = childrenNamed(root, 'AccessControlList')[0];
  for (const grant of list ? childrenNamed(list, 'Grant') : []) {
    const grantee = childrenNamed(grant, 'Grantee')[0];
    if (
      childText(grant, 'Permission')?.trim() !== 'FULL_CONTROL' ||
      !grantee ||
      childText(grantee, 'ID') === undefined
    ) {
      throw s3Error(
        'NotImplemented',
        501,
        'ACLs other than private need gateway users (bucketkit serve --users users.json)',
      );
    }
  }
}

/** The ACL a CreateMultipartUpload's headers ask for, kept in the upload record until Complete. */
export interface UploadAcl {
  owner: string;
  acl: string;
}

/**
 * The ACL headers of a CreateMultipartUpload (authorization checked them), as the upload keeps them;
 * undefined when the request names none (the object is then private to whoever completes it).
 *
 * @example
 * ```ts
 * const acl = uploadAcl(ctx); // { owner: 'alice', acl: '...' }
 * ```
 */
export function uploadAcl(ctx: RequestContext): UploadAcl | undefined {
  if (!ctx.objectAcl || !hasAclHeaders(ctx.req.headers)) return undefined;
  return { owner: ctx.objectAcl.owner, acl: encodeAcl(ctx.objectAcl) };
}

/**
 * Makes CompleteMultipartUpload record the ACL its upload was started with.
 *
 * @example
 * ```ts
 * restoreUploadAcl(ctx, record.acl);
 * ```
 */
export function restoreUploadAcl(ctx: RequestContext, saved: UploadAcl | undefined): void {
  if (saved && ctx.objectAcl) ctx.objectAcl = decodeAcl(saved.acl, saved.owner);
}
