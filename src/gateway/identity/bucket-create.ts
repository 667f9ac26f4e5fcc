/** Authorization of the requests that name no existing bucket: CreateBucket and ListBuckets. */
import type { StoragePort } from '../../storage/index.js';
import type { BucketProvider } from '../buckets.js';
import type { RequestContext } from '../context.js';
import { s3Error } from '../s3-errors.js';
import { type Acl, aclFromHeaders, cannedAcl } from './acl.js';
import { bucketAcl, writeBucketAcl } from './store.js';

const denied = () => s3Error('AccessDenied', 403, 'Access Denied');

/**
 * CreateBucket: BucketAlreadyExists / BucketAlreadyOwnedByYou, else the caller becomes the owner of the
 * new bucket, recorded before CreateBucket answers.
 *
 * @example
 * ```ts
 * await beforeCreate(ctx, 'photos', 'alice');
 * ```
 */
export async function beforeCreate(
  ctx: RequestContext,
  name: string,
  caller: string | undefined,
): Promise<void> {
  if (caller === undefined) throw denied();
  const existing = await ctx.buckets.get(name);
  const acl = aclFromHeaders(ctx.req.headers, caller, caller, ctx.users!) ?? cannedAcl('private', caller);
  if (existing) {
    const owner = (await bucketAcl(existing, ctx.users!)).owner;
    if (owner === caller && ctx.region === 'us-east-1') {
      // S3 answers this re-creation 200 in us-east-1 (CreateBucket reports it) and resets the bucket's ACL
      return await writeBucketAcl(existing, acl);
    }
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

/**
 * The bucket provider with `list` showing only the caller's buckets (ListBuckets).
 *
 * @example
 * ```ts
 * ctx.buckets = ownedOnly(ctx.buckets, (port) => bucketAcl(port, users), 'alice');
 * ```
 */
export function ownedOnly(
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
