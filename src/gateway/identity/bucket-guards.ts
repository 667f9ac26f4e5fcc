/**
 * Public access block and object ownership controls: bucket settings that narrow what ACLs may do.
 * Kept as bucket configuration documents; enforced by `authorize`.
 */
import { smallBody } from '../body.js';
import { readBucketConfig, writeBucketConfig } from '../bucket-config.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { send, sendXml } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childrenNamed, childText, parseXml, toXml } from '../xml.js';
import { type Acl, ALL_USERS, AUTHENTICATED_USERS } from './acl.js';

/** The four switches of PutPublicAccessBlock (absent ones are false). */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}
const SWITCHES = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
const OWNERSHIPS = new Set<string>(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

/** What the guards of a bucket say, read once per request that needs them. */
export interface BucketGuards {
  block: PublicAccessBlock | undefined;
  ownership: ObjectOwnership | undefined;
}

/**
 * A bucket's public access block and object ownership.
 *
 * @example
 * ```ts
 * const { block, ownership } = await bucketGuards(bucket);
 * ```
 */
export async function bucketGuards(bucket: ServedBucket, signal?: AbortSignal): Promise<BucketGuards> {
  const [block, ownership] = await Promise.all([
    readBucketConfig<PublicAccessBlock>(bucket, 'public-access-block', signal),
    readBucketConfig<ObjectOwnership>(bucket, 'ownership', signal),
  ]);
  return { block, ownership };
}

/** PutPublicAccessBlock: a PublicAccessBlockConfiguration of true/false switches. */
export async function putPublicAccessBlock(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const root = parseXml(await smallBody(ctx));
  if (root.name !== 'PublicAccessBlockConfiguration') {
    throw s3Error('MalformedXML', 400, 'the body must be a PublicAccessBlockConfiguration');
  }
  const config = {} as PublicAccessBlock;
  for (const name of SWITCHES) {
    const value = childText(root, name)?.trim() ?? 'false';
    if (value !== 'true' && value !== 'false')
      throw s3Error('MalformedXML', 400, `${name} must be true or false`);
    config[name] = value === 'true';
  }
  await writeBucketConfig(bucket, 'public-access-block', config, ctx.signal);
  send(ctx.res, 200);
}

/** GetPublicAccessBlock, or `NoSuchPublicAccessBlockConfiguration`. */
export async function getPublicAccessBlock(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const config = (await bucketGuards(bucket, ctx.signal)).block;
  if (!config) {
    throw s3Error(
      'NoSuchPublicAccessBlockConfiguration',
      404,
      'The public access block configuration was not found',
      { bucket: bucket.name },
    );
  }
  sendXml(ctx.res, toXml('PublicAccessBlockConfiguration', { ...config }));
}

/** DeletePublicAccessBlock: 204. */
export async function deletePublicAccessBlock(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'public-access-block', undefined, ctx.signal);
  send(ctx.res, 204);
}

/** PutBucketOwnershipControls: one rule naming the ObjectOwnership. */
export async function putOwnershipControls(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const root = parseXml(await smallBody(ctx));
  const rules = childrenNamed(root, 'Rule');
  const value = rules[0] ? childText(rules[0], 'ObjectOwnership')?.trim() : undefined;
  if (root.name !== 'OwnershipControls' || rules.length !== 1 || !value || !OWNERSHIPS.has(value)) {
    throw s3Error(
      'MalformedXML',
      400,
      'the body must be OwnershipControls with one Rule: BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter',
    );
  }
  await writeBucketConfig(bucket, 'ownership', value, ctx.signal);
  send(ctx.res, 200);
}

/** GetBucketOwnershipControls, or `OwnershipControlsNotFoundError`. */
export async function getOwnershipControls(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const ownership = (await bucketGuards(bucket, ctx.signal)).ownership;
  if (!ownership) {
    throw s3Error('OwnershipControlsNotFoundError', 404, 'The bucket ownership controls were not found', {
      bucket: bucket.name,
    });
  }
  sendXml(ctx.res, toXml('OwnershipControls', { Rule: { ObjectOwnership: ownership } }));
}

/** DeleteBucketOwnershipControls: 204. */
export async function deleteOwnershipControls(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'ownership', undefined, ctx.signal);
  send(ctx.res, 204);
}

const isPublic = (g: Acl['grants'][number]) =>
  'uri' in g.grantee && (g.grantee.uri === ALL_USERS || g.grantee.uri === AUTHENTICATED_USERS);

/**
 * The ACL as the guards let it count: none of its grants under BucketOwnerEnforced (ACLs are off; the
 * owner has everything), no public grants under IgnorePublicAcls.
 *
 * @example
 * ```ts
 * allows(effectiveAcl(acl, guards), who, 'READ');
 * ```
 */
export function effectiveAcl(acl: Acl, guards: BucketGuards): Acl {
  if (guards.ownership === 'BucketOwnerEnforced') return { owner: acl.owner, grants: [] };
  if (guards.block?.IgnorePublicAcls)
    return { owner: acl.owner, grants: acl.grants.filter((g) => !isPublic(g)) };
  return acl;
}

/**
 * Refuses an ACL a request asks to set where the guards forbid it: any ACL but
 * bucket-owner-full-control under BucketOwnerEnforced (`400 AccessControlListNotSupported`), a public
 * one under BlockPublicAcls (`403 AccessDenied`).
 *
 * @example
 * ```ts
 * assertAclAllowed(guards, requested, req.headers['x-amz-acl']);
 * ```
 */
export function assertAclAllowed(guards: BucketGuards, acl: Acl, canned: string | undefined): void {
  if (guards.ownership === 'BucketOwnerEnforced' && canned !== 'bucket-owner-full-control') {
    throw s3Error('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
  }
  if (guards.block?.BlockPublicAcls && acl.grants.some(isPublic)) {
    throw s3Error(
      'AccessDenied',
      403,
      'Access Denied: the bucket blocks public ACLs (PublicAccessBlock BlockPublicAcls)',
    );
  }
}

const remembered = new WeakMap<RequestContext, BucketGuards>();

/** Keeps the guards authorization read for the handler of the same request. */
export function rememberGuards(ctx: RequestContext, guards: BucketGuards): void {
  remembered.set(ctx, guards);
}

/** The guards authorization read for this request (none when it read none). */
export function guardsOf(ctx: RequestContext): BucketGuards {
  return remembered.get(ctx) ?? { block: undefined, ownership: undefined };
}
