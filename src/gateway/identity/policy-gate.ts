/**
 * A bucket's policy as authorization applies it: the policy's decision for one action on the bucket or
 * one of its keys, with RestrictPublicBuckets ignoring what a public policy allows anyone but the owner,
 * and the owner never locked out of the policy itself (S3 lets the bucket owner get, put and delete
 * the policy whatever it says).
 */
import type { RequestContext, ServedBucket } from '../context.js';
import type { Tag } from '../meta/index.js';
import {
  type BucketPolicy,
  bucketPolicy,
  type Decision,
  evaluatePolicy,
  isPublicPolicy,
  requestValues,
  resourceArn,
} from '../policy/index.js';
import type { BucketGuards } from './bucket-guards.js';

/** What authorization needs to know of a bucket's policy for one request. */
export interface PolicyGate {
  bucket: string;
  owner: string;
  policy: BucketPolicy | undefined;
  /** RestrictPublicBuckets is on and the policy is public: its grants count for the owner only. */
  restricted: boolean;
}

const POLICY_ACTIONS = new Set(['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy']);

/**
 * Reads a bucket's policy for authorization.
 *
 * @example
 * ```ts
 * const gate = await policyGate(bucket, guards, acl.owner, ctx.signal);
 * ```
 */
export async function policyGate(
  bucket: ServedBucket,
  guards: BucketGuards,
  owner: string,
  signal?: AbortSignal,
): Promise<PolicyGate> {
  const policy = await bucketPolicy(bucket, signal);
  const restricted =
    policy !== undefined && guards.block?.RestrictPublicBuckets === true && isPublicPolicy(policy);
  return { bucket: bucket.name, owner, policy, restricted };
}

/**
 * The policy's decision on `action` for this request's caller, on the bucket or on `key`.
 *
 * @example
 * ```ts
 * if (decide(gate, ctx, 's3:GetObject', 'a.txt') === 'Deny') throw denied();
 * ```
 */
export function decide(
  gate: PolicyGate,
  ctx: RequestContext,
  action: string | undefined,
  key?: string,
  objectTags?: readonly Tag[],
): Decision {
  if (!gate.policy || action === undefined) return 'None';
  const principal = ctx.caller?.id;
  const decision = evaluatePolicy(gate.policy, {
    principal,
    action,
    resource: resourceArn(gate.bucket, key),
    context: requestValues(ctx, objectTags),
  });
  const owner = principal !== undefined && principal === gate.owner;
  if (decision === 'Deny' && owner && POLICY_ACTIONS.has(action)) return 'None';
  if (decision === 'Allow' && gate.restricted && !owner) return 'None';
  return decision;
}
