import type { Metadata, StoragePort } from '../../storage/index.js';
import type { BucketProvider } from '../buckets.js';
import { headOrUndefined, type RequestContext, type ServedBucket, servedBucket } from '../context.js';
import { header } from '../http.js';
import { copySource } from '../objects.js';
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
import {
  assertAclAllowed,
  type BucketGuards,
  bucketGuards,
  effectiveAcl,
  rememberGuards,
} from './bucket-guards.js';
import { ACL_META, bucketAcl, OWNER_META, objectAcl, writeBucketAcl } from './store.js';

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
  const guards = await bucketGuards(await servedBucket(ctx.buckets, name), ctx.signal);
  rememberGuards(ctx, guards);
  const acl = effectiveAcl(await bucketAcl(port, users), guards);
  ctx.owner = acl.owner; // listings and uploads show the bucket's owner
  const canned = header(ctx.req.headers, 'x-amz-acl').trim() || undefined;
  if (operation === 'PUT acl' && guards.ownership === 'BucketOwnerEnforced') {
    throw s3Error('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
  }
  const need = (key === undefined ? BUCKET_NEEDS : OBJECT_NEEDS)[operation] ?? 'owner';
  if (need === 'owner') {
    if (who.id !== acl.owner) throw denied();
  } else if (need.on === 'bucket') {
    if (!allows(acl, who, need.permission)) throw denied();
  } else {
    await checkObject(port, acl, key!, who, need.permission, guards);
  }
  if (key !== undefined && header(ctx.req.headers, 'x-amz-copy-source')) {
    const from = copySource(ctx);
    const source = await ctx.buckets.get(from.bucket);
    if (source) {
      const sourceGuards = await bucketGuards(await servedBucket(ctx.buckets, from.bucket), ctx.signal);
      const sourceAcl = effectiveAcl(await bucketAcl(source, users), sourceGuards);
      await checkObject(source, sourceAcl, from.key, who, 'READ', sourceGuards);
    }
  }
  if (
    key !== undefined &&
    (operation === 'PUT ' || operation === 'POST uploadId' || operation === 'PUT acl')
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
  } else if (operation === 'POST uploads' && hasAclHeaders(ctx.req.headers)) {
    throw s3Error(
      'NotImplemented',
      501,
      'ACL headers on CreateMultipartUpload are not implemented; set the ACL after Complete (PutObjectAcl)',
    );
  }
}

async function checkObject(
  port: StoragePort,
  bucket: Acl,
  key: string,
  who: { id: string | undefined },
  permission: Permission,
  guards: BucketGuards,
): Promise<void> {
  if (who.id !== undefined && who.id === bucket.owner) return;
  const info = await headOrUndefined(port, key);
  if (!info) {
    if (allows(bucket, who, 'READ')) return; // the handler answers NoSuchKey
    throw denied();
  }
  if (!allows(effectiveAcl(objectAcl(info, bucket.owner), guards), who, permission)) throw denied();
}

async function beforeCreate(ctx: RequestContext, name: string, caller: string | undefined): Promise<void> {
  if (caller === undefined) throw denied();
  const existing = await ctx.buckets.get(name);
  if (existing) {
    const owner = (await bucketAcl(existing, ctx.users!)).owner;
    throw owner === caller
      ? s3Error(
          'BucketAlreadyOwnedByYou',
          409,
          'Your previous request to create the named bucket succeeded and you already own it.',
          { bucket: name },
        )
      : s3Error(
          'BucketAlreadyExists',
          409,
          'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
          { bucket: name },
        );
  }
  const acl = aclFromHeaders(ctx.req.headers, caller, caller, ctx.users!) ?? cannedAcl('private', caller);
  const provider = ctx.buckets;
  // the owner is recorded before CreateBucket answers, so the next request already sees it
  ctx.buckets = {
    list: () => provider.list(),
    get: (n) => provider.get(n),
    delete: (n) => provider.delete(n),
    async create(n) {
      await provider.create(n);
      const port = await provider.get(n);
      if (port) await writeBucketAcl(port, acl);
    },
  };
}

/** The bucket provider with `list` showing only the caller's buckets (ListBuckets). */
function ownedOnly(
  provider: BucketProvider,
  aclOf: (port: StoragePort) => Promise<Acl>,
  caller: string,
): BucketProvider {
  return {
    get: (n) => provider.get(n),
    create: (n) => provider.create(n),
    delete: (n) => provider.delete(n),
    async list() {
      const all = await provider.list();
      const owned = await Promise.all(
        all.map(async (b) => {
          const port = await provider.get(b.name);
          return port !== undefined && (await aclOf(port)).owner === caller;
        }),
      );
      return all.filter((_, i) => owned[i]);
    },
  };
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
  const acl = ctx.objectAcl;
  if (!acl) return bucket;
  const port = bucket.port;
  const stamp = (metadata: Metadata | undefined): Metadata => ({
    ...(metadata ?? {}),
    [OWNER_META]: acl.owner,
    [ACL_META]: encodeAcl(acl),
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
