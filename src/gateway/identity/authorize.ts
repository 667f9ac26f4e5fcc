import type { Metadata, StoragePort } from '../../storage/index.js';
import { headOrUndefined, type RequestContext, type ServedBucket, servedBucket } from '../context.js';
import { header } from '../http.js';
import { readTags } from '../meta/index.js';
import { copySource } from '../object-copy.js';
import { s3Action } from '../policy/index.js';
import { s3Error } from '../s3-errors.js';
import {
  type Acl,
  aclFromHeaders,
  allows,
  cannedAcl,
  encodeAcl,
  hasAclHeaders,
  type Permission,
} from './acl.js';
import { beforeCreate, ownedOnly } from './bucket-create.js';
import {
  assertAclAllowed,
  type BucketGuards,
  bucketGuards,
  effectiveAcl,
  rememberGuards,
} from './bucket-guards.js';
import { decide, type PolicyGate, policyGate } from './policy-gate.js';
import { ACL_META, bucketAcl, OWNER_META, objectAcl } from './store.js';

/** What an operation needs: the bucket owner, a permission on the bucket, or one on the object. */
type Need = 'owner' | { on: 'bucket' | 'object'; permission: Permission };

const onBucket = (permission: Permission): Need => ({ on: 'bucket', permission });
const onObject = (permission: Permission): Need => ({ on: 'object', permission });

const BUCKET_NEEDS: Record<string, Need> = {
  'GET ': onBucket('READ'),
  'HEAD ': onBucket('READ'),
  'GET versions': onBucket('READ'),
  'GET uploads': onBucket('READ'),
  'POST delete': onBucket('WRITE'),
  'GET acl': onBucket('READ_ACP'),
  'PUT acl': onBucket('WRITE_ACP'),
};

const WRITE: Need = onBucket('WRITE');
const OBJECT_NEEDS: Record<string, Need> = {
  'GET ': onObject('READ'),
  'HEAD ': onObject('READ'),
  'GET partNumber': onObject('READ'),
  'GET attributes': onObject('READ'),
  'HEAD partNumber': onObject('READ'),
  'GET acl': onObject('READ_ACP'),
  'PUT acl': onObject('WRITE_ACP'),
  'PUT ': WRITE,
  'DELETE ': WRITE,
  'PUT partNumber&uploadId': WRITE,
  'PUT uploadId': WRITE,
  'PUT partNumber': WRITE,
  'POST uploads': WRITE,
  'POST uploadId': WRITE,
  'DELETE uploadId': WRITE,
  'GET uploadId': WRITE,
};

const denied = () => s3Error('AccessDenied', 403, 'Access Denied');

/**
 * Checks a request against the ACLs of its bucket and object before it runs (only when the gateway
 * has users): anonymous callers are AllUsers, a bucket's owner may do everything in it, anything not
 * granted is `403 AccessDenied`. A missing object is a 404 only for callers who may list the bucket.
 * Writes get the object ACL their headers ask for (private by default), recorded when the object is put.
 *
 * @example
 * ```ts
 * await authorize(ctx, 'GET ', 'photos', 'a.jpg');
 * ```
 */
export async function authorize(
  ctx: RequestContext,
  operation: string,
  name: string | undefined,
  key: string | undefined,
): Promise<void> {
  const users = ctx.users;
  if (!users) return refuseAclHeaders(ctx);
  const who = { id: ctx.caller?.id };
  if (name === undefined) {
    if (who.id === undefined) throw denied();
    ctx.buckets = ownedOnly(ctx.buckets, (port) => bucketAcl(port, users), who.id);
    return;
  }
  if (key === undefined && operation === 'PUT ') return beforeCreate(ctx, name, who.id);
  const port = await ctx.buckets.get(name);
  if (!port) return; // the handler answers NoSuchBucket
  const served = await servedBucket(ctx.buckets, name);
  const guards = await bucketGuards(served, ctx.signal);
  rememberGuards(ctx, guards);
  const acl = effectiveAcl(await bucketAcl(port, users), guards);
  ctx.owner = acl.owner; // listings and uploads show the bucket's owner
  const canned = header(ctx.req.headers, 'x-amz-acl').trim() || undefined;
  if (operation === 'PUT acl' && guards.ownership === 'BucketOwnerEnforced') {
    throw s3Error('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
  }
  const gate = await policyGate(served, guards, acl.owner, ctx.signal);
  const version = ctx.target.query.get('versionId');
  const action = s3Action(operation, key !== undefined, version !== undefined && version !== 'null');
  const need = (key === undefined ? BUCKET_NEEDS : OBJECT_NEEDS)[operation] ?? 'owner';
  if (operation === 'POST delete') {
    // DeleteObjects: each key is authorized on its own (s3:DeleteObject on the key)
    const bucketWrite = allows(acl, who, 'WRITE');
    ctx.authorizeKey = (k, versioned) => {
      const decision = decide(gate, ctx, versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', k);
      if (decision === 'Deny' || (decision === 'None' && !bucketWrite)) throw denied();
    };
  } else if (need === 'owner' || need.on === 'bucket') {
    const decision = decide(gate, ctx, action, key);
    const granted = need === 'owner' ? who.id === acl.owner : allows(acl, who, need.permission);
    if (decision === 'Deny' || (decision === 'None' && !granted)) throw denied();
    if (action?.endsWith('BucketPolicy') && who.id !== acl.owner) {
      // S3: only the bucket owner's account may read or change the policy, whatever it grants
      throw s3Error('MethodNotAllowed', 405, 'Only the bucket owner may get, put or delete its policy');
    }
  } else {
    await checkObject(ctx, { port, acl, guards, gate }, key!, need.permission, action);
  }
  if (key !== undefined && header(ctx.req.headers, 'x-amz-copy-source')) {
    const from = copySource(ctx);
    const source = await ctx.buckets.get(from.bucket);
    if (source) {
      const sourceServed = await servedBucket(ctx.buckets, from.bucket);
      const sourceGuards = await bucketGuards(sourceServed, ctx.signal);
      const sourceAcl = effectiveAcl(await bucketAcl(source, users), sourceGuards);
      const sourceGate = await policyGate(sourceServed, sourceGuards, sourceAcl.owner, ctx.signal);
      const read = from.versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion';
      const bucket = { port: source, acl: sourceAcl, guards: sourceGuards, gate: sourceGate };
      await checkObject(ctx, bucket, from.key, 'READ', read);
    }
  }
  if (
    key !== undefined &&
    (operation === 'PUT ' ||
      operation === 'POST uploads' ||
      operation === 'POST uploadId' ||
      operation === 'PUT acl')
  ) {
    const enforced = guards.ownership === 'BucketOwnerEnforced';
    const owner = enforced ? acl.owner : (who.id ?? acl.owner);
    const requested = aclFromHeaders(ctx.req.headers, owner, acl.owner, users);
    if (requested) assertAclAllowed(guards, requested, canned);
    if (operation !== 'PUT acl')
      ctx.objectAcl = enforced ? cannedAcl('private', owner) : (requested ?? cannedAcl('private', owner));
  } else if (key === undefined && operation === 'PUT acl') {
    const requested = aclFromHeaders(ctx.req.headers, acl.owner, acl.owner, users);
    if (requested) assertAclAllowed(guards, requested, canned);
  }
}

/** What authorization read of one bucket. */
interface BucketAccess {
  port: StoragePort;
  acl: Acl;
  guards: BucketGuards;
  gate: PolicyGate;
}

/**
 * An object operation: the bucket policy's explicit deny first; then the bucket owner or a policy
 * grant for objects the bucket owner owns, else the object's ACL — as S3 with ObjectWriter ownership,
 * an object another user wrote is the bucket owner's to read only where its ACL grants it (e.g.
 * bucket-owner-read). A missing object is a 404 for callers who may list the bucket, a 403 otherwise.
 */
async function checkObject(
  ctx: RequestContext,
  bucket: BucketAccess,
  key: string,
  permission: Permission,
  action: string | undefined,
): Promise<void> {
  const who = { id: ctx.caller?.id };
  const { acl, gate } = bucket;
  const isOwner = who.id !== undefined && who.id === acl.owner;
  // under BucketOwnerEnforced every object is the bucket owner's: no need to look at it
  if (isOwner && !gate.policy && bucket.guards.ownership === 'BucketOwnerEnforced') return;
  const info = await headOrUndefined(bucket.port, key);
  const tags =
    info && gate.policy?.readsObjectTags ? await readTags(bucket.port, info.metadata, ctx.signal) : undefined;
  const decision = decide(gate, ctx, action, key, tags);
  if (decision === 'Deny') throw denied();
  if (!info) {
    if (isOwner) return; // NoSuchKey
    const mayList = decide(gate, ctx, 's3:ListBucket');
    if (mayList === 'Allow' || (mayList === 'None' && allows(acl, who, 'READ'))) return; // NoSuchKey
    throw denied();
  }
  const object = effectiveAcl(objectAcl(info, acl.owner), bucket.guards);
  if ((isOwner || decision === 'Allow') && object.owner === acl.owner) return;
  if (!allows(object, who, permission)) throw denied();
}

/** Without users there is one owner: only private ACLs are true, any other is refused rather than ignored. */
function refuseAclHeaders(ctx: RequestContext): void {
  if (!hasAclHeaders(ctx.req.headers)) return;
  const canned = header(ctx.req.headers, 'x-amz-acl').trim();
  if (canned === 'private' || canned === 'bucket-owner-full-control') return;
  throw s3Error(
    'NotImplemented',
    501,
    'ACLs other than private need gateway users (bucketkit serve --users users.json)',
  );
}

/**
 * The bucket seen by a write that records its object's owner and ACL in hidden metadata.
 *
 * @example
 * ```ts
 * const bucket = withOwnership(ctx, served);
 * ```
 */
export function withOwnership(ctx: RequestContext, bucket: ServedBucket): ServedBucket {
  if (!ctx.objectAcl) return bucket;
  const port = bucket.port;
  // read when the object is written: CompleteMultipartUpload restores the ACL its upload was started with
  const stamp = (metadata: Metadata | undefined): Metadata => ({
    ...(metadata ?? {}),
    [OWNER_META]: ctx.objectAcl!.owner,
    [ACL_META]: encodeAcl(ctx.objectAcl!),
  });
  const put: StoragePort['put'] = (key, body, options = {}) =>
    key === ctx.target.key
      ? port.put(key, body, { ...options, metadata: stamp(options.metadata) })
      : port.put(key, body, options);
  const view = new Proxy(port, {
    get(target, property) {
      if (property === 'put') return put;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...bucket, port: view };
}
