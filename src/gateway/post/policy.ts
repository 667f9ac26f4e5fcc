/**
 * The signed policy of a browser upload: its signature (SigV4: `x-amz-signature` = HMAC-SHA256 of the
 * base64 policy under the day's signing key; SigV2: `signature` = base64 HMAC-SHA1 under the secret),
 * its expiration, and its conditions on the form's fields (exact, `eq`, `starts-with`,
 * `content-length-range`). Every field but the signature fields, `policy`, `file` and `x-ignore-*` must
 * be named by a condition.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { s3Error } from '../s3-errors.js';
import { hmacHex, sameSignature, signingKey } from '../sigv4/index.js';

/** How a POST is signed: who signed it (undefined when there is no policy) and the size it allows. */
export interface PostGrant {
  accessKeyId: string | undefined;
  /** From `content-length-range`, inclusive. */
  length: { min: number; max: number } | undefined;
}

export interface PostAuthOptions {
  region: string;
  secretFor(accessKeyId: string): string | undefined;
  now: number;
}

const EXEMPT = new Set(['policy', 'signature', 'x-amz-signature', 'awsaccesskeyid', 'file']);
const denied = (why: string) => s3Error('AccessDenied', 403, `Invalid according to Policy: ${why}`);
const invalidPolicy = (why: string) => s3Error('InvalidPolicyDocument', 400, `Invalid Policy: ${why}`);
const missingField = (name: string) =>
  s3Error('InvalidArgument', 400, `Bucket POST must contain a field named '${name}'`);
const noMatch = () =>
  s3Error(
    'SignatureDoesNotMatch',
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

function secretOf(options: PostAuthOptions, accessKeyId: string): string {
  const secret = options.secretFor(accessKeyId);
  if (secret === undefined) {
    throw s3Error(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  return secret;
}

/** Checks the policy's signature; returns the access key that signed it. */
function verifySignature(fields: Map<string, string>, policy: string, options: PostAuthOptions): string {
  const v4 = fields.get('x-amz-signature');
  if (v4 !== undefined) {
    if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
      throw s3Error('InvalidArgument', 400, 'x-amz-algorithm must be AWS4-HMAC-SHA256');
    }
    const credential = fields.get('x-amz-credential') ?? '';
    const parts = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(credential);
    if (!parts)
      throw s3Error('InvalidArgument', 400, 'x-amz-credential must be KEY/yyyymmdd/region/s3/aws4_request');
    const [, accessKeyId, date, region] = parts as unknown as [string, string, string, string];
    if (region !== options.region) {
      throw s3Error(
        'AuthorizationQueryParametersError',
        400,
        `the region '${region}' is wrong; expecting '${options.region}'`,
      );
    }
    if (!fields.has('x-amz-date')) throw missingField('x-amz-date');
    const key = signingKey(secretOf(options, accessKeyId), date, region, 's3');
    if (!sameSignature(hmacHex(key, policy), v4)) throw noMatch();
    return accessKeyId;
  }
  const accessKeyId = fields.get('awsaccesskeyid');
  const v2 = fields.get('signature');
  if (accessKeyId === undefined) throw missingField('AWSAccessKeyId');
  if (v2 === undefined) throw missingField('signature');
  const expected = createHmac('sha1', secretOf(options, accessKeyId)).update(policy).digest();
  const given = Buffer.from(v2, 'base64');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw noMatch();
  return accessKeyId;
}

type Condition = { field: string; test: (value: string) => boolean; text: string };

function parseConditions(list: unknown[]): { conditions: Condition[]; length: PostGrant['length'] } {
  const conditions: Condition[] = [];
  let length: PostGrant['length'];
  for (const raw of list) {
    const text = JSON.stringify(raw);
    if (Array.isArray(raw)) {
      const [op, name, value] = raw as unknown[];
      if (typeof op === 'string' && op.toLowerCase() === 'content-length-range') {
        const [min, max] = [Number(name), Number(value)];
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
          throw invalidPolicy('content-length-range needs two integers, smallest first');
        }
        length = { min, max };
        continue;
      }
      if (
        raw.length !== 3 ||
        typeof name !== 'string' ||
        !name.startsWith('$') ||
        typeof value !== 'string'
      ) {
        throw invalidPolicy(`Invalid condition ${text.slice(0, 128)}`);
      }
      const field = name.slice(1).toLowerCase();
      const kind = typeof op === 'string' ? op.toLowerCase() : '';
      if (kind === 'eq') conditions.push({ field, test: (v) => v === value, text });
      else if (kind === 'starts-with') conditions.push({ field, test: (v) => v.startsWith(value), text });
      else throw invalidPolicy(`Unknown condition operator in ${text.slice(0, 128)}`);
    } else if (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 1) {
      const [name, value] = Object.entries(raw)[0]!;
      if (typeof value !== 'string') throw invalidPolicy(`Invalid condition ${text.slice(0, 128)}`);
      conditions.push({ field: name.toLowerCase(), test: (v) => v === value, text });
    } else {
      throw invalidPolicy(`Invalid condition ${text.slice(0, 128)}`);
    }
  }
  return { conditions, length };
}

/**
 * Verifies a browser upload's policy and signature against its fields (the key already resolved);
 * without a `policy` field the upload is anonymous. Failures are S3's answers: `AccessDenied` (expired,
 * a condition failed, a field no condition names), `SignatureDoesNotMatch`, `InvalidPolicyDocument`.
 *
 * @example
 * ```ts
 * const grant = verifyPostPolicy(form.fields, 'photos', { region, secretFor, now: Date.now() });
 * ```
 */
export function verifyPostPolicy(
  fields: Map<string, string>,
  bucket: string,
  options: PostAuthOptions,
): PostGrant {
  const policy = fields.get('policy');
  if (policy === undefined) return { accessKeyId: undefined, length: undefined };
  const accessKeyId = verifySignature(fields, policy, options);
  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null) throw invalidPolicy('Invalid JSON.');
  if (typeof document.expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expires = Date.parse(document.expiration);
  if (Number.isNaN(expires)) throw invalidPolicy('Invalid expiration date.');
  if (!Array.isArray(document.conditions)) throw invalidPolicy('Policy missing conditions.');
  if (options.now > expires) throw denied('Policy expired.');
  const { conditions, length } = parseConditions(document.conditions);
  for (const c of conditions) {
    // the bucket is checked against the bucket the URL names, whatever a field says
    const value = c.field === 'bucket' ? bucket : (fields.get(c.field) ?? '');
    if (!c.test(value)) throw denied(`Policy Condition failed: ${c.text}`);
  }
  const named = new Set(conditions.map((c) => c.field));
  const extra = [...fields.keys()].filter(
    (f) => !EXEMPT.has(f) && !f.startsWith('x-ignore-') && !named.has(f),
  );
  if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(', ').slice(0, 256)}`);
  return { accessKeyId, length };
}
