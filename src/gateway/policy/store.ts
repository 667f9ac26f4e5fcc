/** Where a bucket's policy lives (a bucket configuration document) and its compiled form, cached. */
import { readBucketConfig, writeBucketConfig } from '../bucket-config.js';
import type { ServedBucket } from '../context.js';
import { type BucketPolicy, compilePolicy } from './document.js';

const DOCUMENT = 'policy';
// compiled policies by their text: a bucket's policy is compiled once, not per request
const compiled = new Map<string, BucketPolicy>();
const MAX_COMPILED = 256;

function compiledOnce(text: string): BucketPolicy {
  let policy = compiled.get(text);
  if (!policy) {
    policy = compilePolicy(text);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, policy);
  }
  return policy;
}

/**
 * A bucket's policy, or undefined when it has none.
 *
 * @example
 * ```ts
 * const policy = await bucketPolicy(bucket, ctx.signal);
 * ```
 */
export async function bucketPolicy(
  bucket: ServedBucket,
  signal?: AbortSignal,
): Promise<BucketPolicy | undefined> {
  const text = await readBucketConfig<string>(bucket, DOCUMENT, signal);
  return typeof text === 'string' ? compiledOnce(text) : undefined;
}

/** Stores (or with undefined removes) a bucket's policy, already compiled and checked. */
export async function writeBucketPolicy(
  bucket: ServedBucket,
  policy: BucketPolicy | undefined,
  signal?: AbortSignal,
): Promise<void> {
  if (policy) compiled.set(policy.text, policy);
  await writeBucketConfig(bucket, DOCUMENT, policy?.text, signal);
}
