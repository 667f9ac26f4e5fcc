/**
 * Bucket settings a client reads or sets that change no bytes here: default encryption (stored; the
 * encryption layer reads it with `bucketEncryption`), request payment and transfer acceleration
 * (answered as S3 answers for a bucket that never had them).
 */
import { smallBody } from './body.js';
import { readBucketConfig, writeBucketConfig } from './bucket-config.js';
import type { RequestContext, ServedBucket } from './context.js';
import { send, sendXml } from './http.js';
import { s3Error } from './s3-errors.js';
import { childrenNamed, childText, parseXml, toXml } from './xml.js';

/** A bucket's default encryption, as PutBucketEncryption set it. */
export interface BucketEncryption {
  algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/**
 * The default encryption a bucket has, or undefined.
 *
 * @example
 * ```ts
 * const sse = await bucketEncryption(bucket); // { algorithm: 'AES256' }
 * ```
 */
export function bucketEncryption(
  bucket: ServedBucket,
  signal?: AbortSignal,
): Promise<BucketEncryption | undefined> {
  return readBucketConfig<BucketEncryption>(bucket, 'encryption', signal);
}

const ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/** PutBucketEncryption: one rule with `ApplyServerSideEncryptionByDefault`. */
export async function putBucketEncryption(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const root = parseXml(await smallBody(ctx));
  const rules = childrenNamed(root, 'Rule');
  const apply = rules[0] ? childrenNamed(rules[0], 'ApplyServerSideEncryptionByDefault')[0] : undefined;
  if (root.name !== 'ServerSideEncryptionConfiguration' || rules.length !== 1 || !apply) {
    throw s3Error('MalformedXML', 400, 'the body must be a ServerSideEncryptionConfiguration with one Rule');
  }
  const algorithm = childText(apply, 'SSEAlgorithm') ?? '';
  if (!ALGORITHMS.has(algorithm))
    throw s3Error('MalformedXML', 400, 'SSEAlgorithm must be AES256, aws:kms or aws:kms:dsse');
  const kmsKeyId = childText(apply, 'KMSMasterKeyID');
  if (kmsKeyId && algorithm === 'AES256') {
    throw s3Error('InvalidArgument', 400, 'a KMSMasterKeyID is only allowed with aws:kms or aws:kms:dsse');
  }
  const bucketKey = childText(rules[0]!, 'BucketKeyEnabled');
  const config: BucketEncryption = {
    algorithm: algorithm as BucketEncryption['algorithm'],
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey.trim() === 'true' } : {}),
  };
  await writeBucketConfig(bucket, 'encryption', config, ctx.signal);
  send(ctx.res, 200);
}

/** GetBucketEncryption: the stored rule, or `ServerSideEncryptionConfigurationNotFoundError`. */
export async function getBucketEncryption(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const config = await bucketEncryption(bucket, ctx.signal);
  if (!config) {
    throw s3Error(
      'ServerSideEncryptionConfigurationNotFoundError',
      404,
      'The server side encryption configuration was not found',
      {
        bucket: bucket.name,
      },
    );
  }
  sendXml(
    ctx.res,
    toXml('ServerSideEncryptionConfiguration', {
      Rule: {
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: config.algorithm,
          ...(config.kmsKeyId ? { KMSMasterKeyID: config.kmsKeyId } : {}),
        },
        ...(config.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: config.bucketKeyEnabled } : {}),
      },
    }),
  );
}

/** DeleteBucketEncryption: 204. */
export async function deleteBucketEncryption(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'encryption', undefined, ctx.signal);
  send(ctx.res, 204);
}

/** GetBucketRequestPayment: the bucket owner pays, as for every bucket here. */
export async function getRequestPayment(ctx: RequestContext): Promise<void> {
  sendXml(ctx.res, toXml('RequestPaymentConfiguration', { Payer: 'BucketOwner' }));
}

/** GetBucketAccelerateConfiguration: never set, so S3 answers an empty document. */
export async function getAccelerate(ctx: RequestContext): Promise<void> {
  sendXml(ctx.res, toXml('AccelerateConfiguration', {}));
}
