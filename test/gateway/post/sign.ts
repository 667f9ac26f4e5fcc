/** Signs browser-upload policies for tests, from the S3 documentation's recipe (not the gateway's code). */
import { createHmac } from 'node:crypto';

export interface PolicyKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * The hidden fields of a SigV4-signed POST form: the policy (its conditions plus the x-amz-* fields it
 * must name) in base64 and its signature.
 */
export function sigV4Fields(
  conditions: unknown[],
  keys: PolicyKeys,
  options: { expiresInMs?: number; now?: Date; region?: string } = {},
): Record<string, string> {
  const now = options.now ?? new Date();
  const region = options.region ?? 'us-east-1';
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const credential = `${keys.accessKeyId}/${day}/${region}/s3/aws4_request`;
  const document = {
    expiration: new Date(now.getTime() + (options.expiresInMs ?? 600_000)).toISOString(),
    conditions: [
      ...conditions,
      { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': credential },
      { 'x-amz-date': amzDate },
    ],
  };
  const policy = Buffer.from(JSON.stringify(document)).toString('base64');
  let key = hmac(`AWS4${keys.secretAccessKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  return {
    policy,
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': credential,
    'x-amz-date': amzDate,
    'x-amz-signature': createHmac('sha256', key).update(policy).digest('hex'),
  };
}

/** The hidden fields of a SigV2-signed POST form: AWSAccessKeyId, policy and its HMAC-SHA1 signature. */
export function sigV2Fields(
  conditions: unknown[],
  keys: PolicyKeys,
  expiresInMs = 600_000,
): Record<string, string> {
  const document = { expiration: new Date(Date.now() + expiresInMs).toISOString(), conditions };
  const policy = Buffer.from(JSON.stringify(document)).toString('base64');
  return {
    AWSAccessKeyId: keys.accessKeyId,
    policy,
    signature: createHmac('sha1', keys.secretAccessKey).update(policy).digest('base64'),
  };
}
