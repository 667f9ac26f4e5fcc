import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { assertPolicyFor, compilePolicy, isPublicPolicy } from '../../../src/gateway/policy/index.js';

/** Which bucket policies S3 refuses (and with what), and which it counts as public. */
const s3CodeOf = (run: () => unknown): string => {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return String((err.details as { s3Code?: string }).s3Code);
  }
};
const doc = (statement: Record<string, unknown>, top: Record<string, unknown> = {}) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::bkt/*',
        ...statement,
      },
    ],
    ...top,
  });
const users = new Set(['alice', 'bob']);
const check = (text: string) => {
  const policy = compilePolicy(text);
  assertPolicyFor(policy, 'bkt', (id) => users.has(id));
  return policy;
};

describe('bucket policy documents', () => {
  it.each([
    ['not JSON', '{"Statement": [', 'MalformedPolicy'],
    ['first byte not {', '[1]', 'MalformedPolicy'],
    ['empty', '', 'MalformedPolicy'],
    ['no Statement', '{"Version":"2012-10-17"}', 'MalformedPolicy'],
    ['empty Statement list', '{"Version":"2012-10-17","Statement":[]}', 'MalformedPolicy'],
    ['unknown version', doc({}, { Version: '2020-01-01' }), 'MalformedPolicy'],
    ['unknown top field', doc({}, { Extra: 1 }), 'MalformedPolicy'],
    ['unknown statement field', doc({ Effects: 'Allow' }), 'MalformedPolicy'],
    ['no Effect', doc({ Effect: undefined }), 'MalformedPolicy'],
    ['bad Effect', doc({ Effect: 'Permit' }), 'MalformedPolicy'],
    ['no Principal', doc({ Principal: undefined }), 'MalformedPolicy'],
    ['Principal and NotPrincipal', doc({ NotPrincipal: { AWS: 'bob' } }), 'MalformedPolicy'],
    ['wildcard in a principal id', doc({ Principal: { AWS: 'ali*' } }), 'MalformedPolicy'],
    ['unknown principal type', doc({ Principal: { Robot: 'x' } }), 'MalformedPolicy'],
    ['principal that is no user', doc({ Principal: { AWS: 'mallory' } }), 'MalformedPolicy'],
    ['no Action', doc({ Action: undefined }), 'MalformedPolicy'],
    ['Action and NotAction', doc({ NotAction: 's3:PutObject' }), 'MalformedPolicy'],
    ['non-S3 action', doc({ Action: 'iam:CreateUser' }), 'MalformedPolicy'],
    ['empty action list', doc({ Action: [] }), 'MalformedPolicy'],
    ['no Resource', doc({ Resource: undefined }), 'MalformedPolicy'],
    ['resource of another bucket', doc({ Resource: 'arn:aws:s3:::other/*' }), 'MalformedPolicy'],
    ['resource not an S3 ARN', doc({ Resource: 'arn:aws:sqs:::bkt' }), 'MalformedPolicy'],
    [
      'unknown condition operator',
      doc({ Condition: { StringEqualz: { 's3:prefix': 'a' } } }),
      'MalformedPolicy',
    ],
    [
      'unknown condition key',
      doc({ Condition: { StringEquals: { 's3:colour': 'red' } } }),
      'MalformedPolicy',
    ],
    ['bad CIDR', doc({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/40' } } }), 'MalformedPolicy'],
    [
      'non-numeric limit',
      doc({ Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }),
      'MalformedPolicy',
    ],
    [
      'condition value an object',
      doc({ Condition: { StringEquals: { 's3:prefix': { a: 1 } } } }),
      'MalformedPolicy',
    ],
    [
      'over 20 KiB without whitespace',
      doc({
        Condition: { StringEquals: { 's3:prefix': Array.from({ length: 2100 }, (_, i) => `p${i}-xxxxx`) } },
      }),
      'PolicyTooLarge',
    ],
    ['a valid policy', doc({}), 'ok'],
    ['principal by root ARN of a user', doc({ Principal: { AWS: 'arn:aws:iam::bob:root' } }), 'ok'],
    ['bucket-wildcard resource', doc({ Resource: ['arn:aws:s3:::bk?', 'arn:aws:s3:::b*/*'] }), 'ok'],
    ['a single statement object', JSON.stringify({ Statement: JSON.parse(doc({})).Statement[0] }), 'ok'],
    [
      'whitespace does not count toward 20 KiB',
      doc({
        Condition: { StringEquals: { 's3:prefix': Array.from({ length: 1500 }, (_, i) => `p${i}`) } },
      }).replaceAll(',', `,${' '.repeat(20)}`),
      'ok',
    ],
  ])('%s → %s', (_, text, expected) => {
    expect(s3CodeOf(() => check(text))).toBe(expected);
  });

  it.each([
    ['Principal * without conditions', {}, true],
    ['{AWS: *}', { Principal: { AWS: '*' } }, true],
    ['a named user', { Principal: { AWS: 'alice' } }, false],
    ['Allow with NotPrincipal', { Principal: undefined, NotPrincipal: { AWS: 'alice' } }, true],
    ['Deny for everyone', { Effect: 'Deny' }, false],
    ['* pinned to a /24', { Condition: { IpAddress: { 'aws:SourceIp': '10.1.2.0/24' } } }, false],
    ['* with a /0', { Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }, true],
    ['* with NotIpAddress', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.1.2.0/24' } } }, true],
    [
      '* pinned to an account',
      { Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
      false,
    ],
    ['* with a wildcard account', { Condition: { StringLike: { 'aws:SourceAccount': '1234*' } } }, true],
    ['* with an unrelated condition', { Condition: { StringEquals: { 's3:prefix': 'home/' } } }, true],
  ])('public? %s', (_, statement, expected) => {
    expect(isPublicPolicy(compilePolicy(doc(statement)))).toBe(expected);
  });
});
