/**
 * Whether a bucket policy is public, as S3's "meaning of public" defines it: an Allow statement for
 * everyone (Principal `*` or NotPrincipal) is public unless a condition pins it to fixed values of
 * keys that identify a caller or network (aws:SourceIp CIDRs of /8 or narrower, aws:SourceArn,
 * aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount, aws:userid,
 * s3:x-amz-server-side-encryption-aws-kms-key-id).
 */
import { isIPv4 } from 'node:net';
import type { BucketPolicy, Statement } from './document.js';

const PINNING_KEYS = new Set(
  [
    'aws:SourceArn',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceOwner',
    'aws:SourceAccount',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalOrgID',
    'aws:userid',
    's3:x-amz-server-side-encryption-aws-kms-key-id',
  ].map((k) => k.toLowerCase()),
);
const FIXED_OPERATORS = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'ArnEquals',
  'StringLike',
  'ArnLike',
]);

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const fixed = (v: unknown) => typeof v === 'string' && !v.includes('*') && !v.includes('?');

function narrowCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address = '', bits] = value.split('/');
  const prefix = bits === undefined ? 128 : Number(bits);
  return isIPv4(address) ? prefix >= 8 : prefix >= 32;
}

/** A condition that limits a statement to fixed callers or networks. */
function pinned(statement: Statement): boolean {
  for (const [operator, pairs] of Object.entries(statement.conditionBlock)) {
    for (const [key, values] of Object.entries(pairs)) {
      const name = key.toLowerCase();
      if (name === 'aws:sourceip' && operator === 'IpAddress' && list(values).every(narrowCidr)) return true;
      if (PINNING_KEYS.has(name) && FIXED_OPERATORS.has(operator) && list(values).every(fixed)) return true;
    }
  }
  return false;
}

/**
 * True when some Allow statement of the policy grants access to everyone.
 *
 * @example
 * ```ts
 * isPublicPolicy(compilePolicy(text)); // true for Principal "*" without a pinning condition
 * ```
 */
export function isPublicPolicy(policy: BucketPolicy): boolean {
  return policy.statements.some(
    (s) => s.effect === 'Allow' && (s.principals.any || s.notPrincipal) && !pinned(s),
  );
}
