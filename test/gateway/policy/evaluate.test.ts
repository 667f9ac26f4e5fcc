import { describe, expect, it } from 'vitest';
import { compilePolicy, type Decision, evaluatePolicy } from '../../../src/gateway/policy/index.js';

/**
 * Bucket policy evaluation, table-driven (issue #19 item 3). Every expectation comes from AWS's
 * documentation of the IAM policy language and its evaluation logic:
 * - a request is denied by any matching Deny, else allowed by any matching Allow, else the policy says
 *   nothing ("None": the ACLs decide);
 * - Action names match case-insensitively with `*` and `?`, Resource ARNs case-sensitively;
 * - NotPrincipal / NotAction / NotResource match everything except what they list;
 * - condition operators AND together, keys AND together, values of one key OR together (negated
 *   operators: NOR); a key missing from the request fails the condition, except for negated operators,
 *   `...IfExists` and `Null`; ForAllValues holds for a missing key, ForAnyValue does not.
 */
const B = 'arn:aws:s3:::bkt';
const statement = (extra: Record<string, unknown>) => ({
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: `${B}/*`,
  ...extra,
});
const policyOf = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements.map(statement) });

interface Case {
  name: string;
  policy: string;
  who?: string; // user id; absent = anonymous
  action?: string;
  key?: string | null; // null = the bucket itself
  context?: Record<string, string | string[]>;
  expect: Decision;
}

const allowAllGet = policyOf({});
const onlyAlice = policyOf({ Principal: { AWS: 'alice' } });
const cond = (Condition: Record<string, unknown>, effect = 'Allow', action = 's3:GetObject') =>
  policyOf({ Condition, Effect: effect, Action: action });

const cases: Case[] = [
  // Principal
  { name: '* allows anonymous', policy: allowAllGet, expect: 'Allow' },
  { name: '* allows a user', policy: allowAllGet, who: 'alice', expect: 'Allow' },
  { name: '{AWS:*} allows anonymous', policy: policyOf({ Principal: { AWS: '*' } }), expect: 'Allow' },
  { name: 'named user allowed', policy: onlyAlice, who: 'alice', expect: 'Allow' },
  { name: 'other user not named', policy: onlyAlice, who: 'bob', expect: 'None' },
  { name: 'anonymous not named', policy: onlyAlice, expect: 'None' },
  {
    name: 'account root ARN',
    policy: policyOf({ Principal: { AWS: 'arn:aws:iam::alice:root' } }),
    who: 'alice',
    expect: 'Allow',
  },
  {
    name: 'user ARN',
    policy: policyOf({ Principal: { AWS: 'arn:aws:iam::123456789012:user/bob' } }),
    who: 'bob',
    expect: 'Allow',
  },
  {
    name: 'principal list, second',
    policy: policyOf({ Principal: { AWS: ['alice', 'bob'] } }),
    who: 'bob',
    expect: 'Allow',
  },
  {
    name: 'principal list, not in it',
    policy: policyOf({ Principal: { AWS: ['alice', 'bob'] } }),
    who: 'carol',
    expect: 'None',
  },
  {
    name: 'CanonicalUser',
    policy: policyOf({ Principal: { CanonicalUser: 'carol' } }),
    who: 'carol',
    expect: 'Allow',
  },
  {
    name: 'Service principal never matches a user',
    policy: policyOf({ Principal: { Service: 'logging.s3.amazonaws.com' } }),
    who: 'alice',
    expect: 'None',
  },
  // NotPrincipal
  ...(['bob', undefined] as const).map(
    (who): Case => ({
      name: `Deny NotPrincipal alice applies to ${who ?? 'anonymous'}`,
      policy: policyOf({
        Effect: 'Deny',
        Principal: undefined,
        NotPrincipal: { AWS: 'alice' },
        Action: 's3:*',
      }),
      ...(who ? { who } : {}),
      expect: 'Deny',
    }),
  ),
  {
    name: 'Deny NotPrincipal alice spares alice',
    policy: policyOf({
      Effect: 'Deny',
      Principal: undefined,
      NotPrincipal: { AWS: 'alice' },
      Action: 's3:*',
    }),
    who: 'alice',
    expect: 'None',
  },
  {
    name: 'Allow NotPrincipal bob allows alice',
    policy: policyOf({ Principal: undefined, NotPrincipal: { AWS: 'bob' } }),
    who: 'alice',
    expect: 'Allow',
  },
  {
    name: 'Allow NotPrincipal bob not bob',
    policy: policyOf({ Principal: undefined, NotPrincipal: { AWS: 'bob' } }),
    who: 'bob',
    expect: 'None',
  },
  // Action
  ...(
    [
      ['s3:Get*', 's3:GetObject', 'Allow'],
      ['s3:Get*', 's3:GetObjectAcl', 'Allow'],
      ['s3:Get*', 's3:PutObject', 'None'],
      ['s3:*Object', 's3:PutObject', 'Allow'],
      ['s3:*Object', 's3:DeleteObject', 'Allow'],
      ['s3:*Object', 's3:GetObjectAcl', 'None'],
      ['S3:GETOBJECT', 's3:GetObject', 'Allow'],
      ['s3:getobject', 's3:GetObject', 'Allow'],
      ['s3:?etObject', 's3:GetObject', 'Allow'],
      ['s3:Put?bject', 's3:PutObject', 'Allow'],
      ['s3:?Object', 's3:GetObject', 'None'],
      ['*', 's3:DeleteObjectVersion', 'Allow'],
      ['s3:*', 's3:PutObjectAcl', 'Allow'],
      ['s3:GetObject', 's3:GetObjectVersion', 'None'],
    ] as const
  ).map(
    ([pattern, action, expected]): Case => ({
      name: `Action ${pattern} vs ${action}`,
      policy: policyOf({ Action: pattern }),
      action,
      expect: expected,
    }),
  ),
  {
    name: 'Action list, second entry',
    policy: policyOf({ Action: ['s3:PutObject', 's3:GetObject'] }),
    expect: 'Allow',
  },
  // NotAction
  {
    name: 'Allow NotAction DeleteObject allows GetObject',
    policy: policyOf({ Action: undefined, NotAction: 's3:DeleteObject' }),
    expect: 'Allow',
  },
  {
    name: 'Allow NotAction DeleteObject not DeleteObject',
    policy: policyOf({ Action: undefined, NotAction: 's3:DeleteObject' }),
    action: 's3:DeleteObject',
    expect: 'None',
  },
  {
    name: 'Deny NotAction Get* denies PutObject',
    policy: policyOf({ Effect: 'Deny', Action: undefined, NotAction: 's3:Get*' }),
    action: 's3:PutObject',
    expect: 'Deny',
  },
  {
    name: 'Deny NotAction Get* spares GetObject',
    policy: policyOf({ Effect: 'Deny', Action: undefined, NotAction: 's3:Get*' }),
    expect: 'None',
  },
  // Resource
  ...(
    [
      [`${B}/home/*`, 'home/a.txt', 'Allow'],
      [`${B}/home/*`, 'home/', 'Allow'],
      [`${B}/home/*`, 'homework', 'None'],
      [`${B}/home/*`, 'Home/a.txt', 'None'],
      [`${B}/*.jpg`, 'a/b/c.jpg', 'Allow'],
      [`${B}/*.jpg`, 'c.png', 'None'],
      [`${B}/file?`, 'file1', 'Allow'],
      [`${B}/file?`, 'file12', 'None'],
      [`${B}/exact.txt`, 'exact.txt', 'Allow'],
      [`${B}/exact.txt`, 'exact.txt.bak', 'None'],
      [B, 'a.txt', 'None'],
      ['*', 'anything', 'Allow'],
      ['arn:aws:s3:::other/*', 'a.txt', 'None'],
      ['arn:aws:s3:::bk*/*', 'a.txt', 'Allow'],
      [`${B}/a+b (1).txt`, 'a+b (1).txt', 'Allow'],
    ] as const
  ).map(
    ([resource, key, expected]): Case => ({
      name: `Resource ${resource} vs key ${key}`,
      policy: policyOf({ Resource: resource }),
      key,
      expect: expected,
    }),
  ),
  {
    name: 'bucket ARN for ListBucket',
    policy: policyOf({ Action: 's3:ListBucket', Resource: B }),
    action: 's3:ListBucket',
    key: null,
    expect: 'Allow',
  },
  {
    name: 'object ARN does not cover the bucket',
    policy: policyOf({ Action: 's3:ListBucket' }),
    action: 's3:ListBucket',
    key: null,
    expect: 'None',
  },
  // NotResource
  {
    name: 'Deny NotResource public/* denies private',
    policy: policyOf({ Effect: 'Deny', Resource: undefined, NotResource: `${B}/public/*` }),
    key: 'private/x',
    expect: 'Deny',
  },
  {
    name: 'Deny NotResource public/* spares public',
    policy: policyOf({ Effect: 'Deny', Resource: undefined, NotResource: `${B}/public/*` }),
    key: 'public/x',
    expect: 'None',
  },
  // explicit deny wins, order does not matter
  {
    name: 'Allow s3:* and Deny PutObject: GetObject allowed',
    policy: policyOf({ Action: 's3:*' }, { Effect: 'Deny', Action: 's3:PutObject' }),
    expect: 'Allow',
  },
  {
    name: 'Allow s3:* and Deny PutObject: PutObject denied',
    policy: policyOf({ Action: 's3:*' }, { Effect: 'Deny', Action: 's3:PutObject' }),
    action: 's3:PutObject',
    expect: 'Deny',
  },
  {
    name: 'Deny before Allow',
    policy: policyOf({ Effect: 'Deny', Principal: { AWS: 'alice' } }, { Principal: { AWS: 'alice' } }),
    who: 'alice',
    expect: 'Deny',
  },
  {
    name: 'Allow before Deny',
    policy: policyOf({ Principal: { AWS: 'alice' } }, { Effect: 'Deny', Principal: { AWS: 'alice' } }),
    who: 'alice',
    expect: 'Deny',
  },
  {
    name: 'Deny for someone else does not touch alice',
    policy: policyOf({ Principal: { AWS: 'alice' } }, { Effect: 'Deny', Principal: { AWS: 'bob' } }),
    who: 'alice',
    expect: 'Allow',
  },
  { name: 'Deny * denies the owner too', policy: policyOf({ Effect: 'Deny' }), who: 'alice', expect: 'Deny' },
  { name: 'nothing matches', policy: policyOf({ Action: 's3:PutObject' }), expect: 'None' },
];

const withContext = (
  name: string,
  policy: string,
  rows: [Record<string, string | string[]>, Decision][],
  who?: string,
  action?: string,
): Case[] =>
  rows.map(([context, expected], i) => ({
    name: `${name} #${i + 1} ${JSON.stringify(context)}`,
    policy,
    context,
    expect: expected,
    ...(who ? { who } : {}),
    ...(action ? { action } : {}),
  }));

const conditionCases: Case[] = [
  ...withContext(
    'StringEquals s3:x-amz-acl',
    cond({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } }),
    [
      [{ 's3:x-amz-acl': 'bucket-owner-full-control' }, 'Allow'],
      [{ 's3:x-amz-acl': 'public-read' }, 'None'],
      [{ 's3:x-amz-acl': 'BUCKET-OWNER-FULL-CONTROL' }, 'None'],
      [{}, 'None'],
    ],
  ),
  ...withContext(
    'StringEquals, two values OR',
    cond({ StringEquals: { 's3:x-amz-acl': ['private', 'public-read'] } }),
    [
      [{ 's3:x-amz-acl': 'private' }, 'Allow'],
      [{ 's3:x-amz-acl': 'public-read' }, 'Allow'],
      [{ 's3:x-amz-acl': 'public-read-write' }, 'None'],
    ],
  ),
  ...withContext(
    'Deny StringNotEquals sse',
    cond({ StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } }, 'Deny', 's3:PutObject'),
    [
      [{ 's3:x-amz-server-side-encryption': 'AES256' }, 'None'],
      [{ 's3:x-amz-server-side-encryption': 'aws:kms' }, 'Deny'],
      [{}, 'Deny'],
    ],
    undefined,
    's3:PutObject',
  ),
  ...withContext(
    'Deny StringNotEquals two values NOR',
    cond(
      { StringNotEquals: { 's3:x-amz-acl': ['private', 'bucket-owner-full-control'] } },
      'Deny',
      's3:PutObject',
    ),
    [
      [{ 's3:x-amz-acl': 'private' }, 'None'],
      [{ 's3:x-amz-acl': 'bucket-owner-full-control' }, 'None'],
      [{ 's3:x-amz-acl': 'public-read' }, 'Deny'],
    ],
    undefined,
    's3:PutObject',
  ),
  ...withContext('StringEqualsIgnoreCase', cond({ StringEqualsIgnoreCase: { 's3:x-amz-acl': 'Private' } }), [
    [{ 's3:x-amz-acl': 'private' }, 'Allow'],
    [{ 's3:x-amz-acl': 'PRIVATE' }, 'Allow'],
    [{ 's3:x-amz-acl': 'public-read' }, 'None'],
  ]),
  ...withContext(
    'Deny StringNotEqualsIgnoreCase',
    cond({ StringNotEqualsIgnoreCase: { 's3:x-amz-acl': 'private' } }, 'Deny'),
    [
      [{ 's3:x-amz-acl': 'PRIVATE' }, 'None'],
      [{ 's3:x-amz-acl': 'public-read' }, 'Deny'],
    ],
  ),
  ...withContext(
    'StringLike s3:prefix',
    cond({ StringLike: { 's3:prefix': ['home/*', ''] } }, 'Allow', 's3:ListBucket'),
    [
      [{ 's3:prefix': 'home/alice/' }, 'Allow'],
      [{ 's3:prefix': 'home/' }, 'Allow'],
      [{ 's3:prefix': '' }, 'Allow'],
      [{ 's3:prefix': 'etc/' }, 'None'],
      [{}, 'None'],
    ],
    undefined,
    's3:ListBucket',
  ).map((c) => ({ ...c, policy: c.policy.replaceAll(`${B}/*`, B), key: null })),
  ...withContext(
    'StringLike with ?',
    cond({ StringLike: { 's3:prefix': 'v?/' } }, 'Allow', 's3:ListBucket'),
    [
      [{ 's3:prefix': 'v1/' }, 'Allow'],
      [{ 's3:prefix': 'v10/' }, 'None'],
    ],
    undefined,
    's3:ListBucket',
  ),
  ...withContext(
    'Deny StringNotLike s3:prefix',
    cond({ StringNotLike: { 's3:prefix': 'home/*' } }, 'Deny', 's3:*'),
    [
      [{ 's3:prefix': 'docs/' }, 'Deny'],
      [{ 's3:prefix': 'home/x' }, 'None'],
      [{}, 'Deny'],
    ],
  ),
  ...withContext('IpAddress IPv4 /24', cond({ IpAddress: { 'aws:SourceIp': '192.168.1.0/24' } }), [
    [{ 'aws:SourceIp': '192.168.1.7' }, 'Allow'],
    [{ 'aws:SourceIp': '192.168.1.255' }, 'Allow'],
    [{ 'aws:SourceIp': '192.168.2.1' }, 'None'],
    [{ 'aws:SourceIp': '::ffff:192.168.1.7' }, 'Allow'],
    [{}, 'None'],
  ]),
  ...withContext('IpAddress single address', cond({ IpAddress: { 'aws:SourceIp': '127.0.0.1' } }), [
    [{ 'aws:SourceIp': '127.0.0.1' }, 'Allow'],
    [{ 'aws:SourceIp': '127.0.0.2' }, 'None'],
  ]),
  ...withContext(
    'IpAddress list of CIDRs',
    cond({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } }),
    [
      [{ 'aws:SourceIp': '172.20.1.1' }, 'Allow'],
      [{ 'aws:SourceIp': '10.200.0.1' }, 'Allow'],
      [{ 'aws:SourceIp': '172.32.0.1' }, 'None'],
    ],
  ),
  ...withContext('IpAddress IPv6', cond({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }), [
    [{ 'aws:SourceIp': '2001:db8::1' }, 'Allow'],
    [{ 'aws:SourceIp': '2001:db9::1' }, 'None'],
    [{ 'aws:SourceIp': '10.0.0.1' }, 'None'],
  ]),
  ...withContext('Deny NotIpAddress', cond({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, 'Deny'), [
    [{ 'aws:SourceIp': '10.1.1.1' }, 'None'],
    [{ 'aws:SourceIp': '11.0.0.1' }, 'Deny'],
  ]),
  ...withContext(
    'Deny Bool SecureTransport false',
    cond({ Bool: { 'aws:SecureTransport': 'false' } }, 'Deny', 's3:*'),
    [
      [{ 'aws:SecureTransport': 'false' }, 'Deny'],
      [{ 'aws:SecureTransport': 'true' }, 'None'],
    ],
  ),
  ...withContext('Allow Bool SecureTransport true', cond({ Bool: { 'aws:SecureTransport': true } }), [
    [{ 'aws:SecureTransport': 'true' }, 'Allow'],
    [{ 'aws:SecureTransport': 'false' }, 'None'],
  ]),
  ...withContext(
    'NumericLessThan s3:max-keys',
    cond({ NumericLessThan: { 's3:max-keys': '10' } }, 'Allow', 's3:ListBucket'),
    [
      [{ 's3:max-keys': '5' }, 'Allow'],
      [{ 's3:max-keys': '10' }, 'None'],
      [{ 's3:max-keys': '1000' }, 'None'],
      [{ 's3:max-keys': 'many' }, 'None'],
      [{}, 'None'],
    ],
    undefined,
    's3:ListBucket',
  ),
  ...withContext(
    'NumericLessThanEquals',
    cond({ NumericLessThanEquals: { 's3:max-keys': 10 } }, 'Allow', 's3:ListBucket'),
    [
      [{ 's3:max-keys': '10' }, 'Allow'],
      [{ 's3:max-keys': '11' }, 'None'],
    ],
    undefined,
    's3:ListBucket',
  ),
  ...withContext(
    'Deny NumericGreaterThan',
    cond({ NumericGreaterThan: { 's3:max-keys': '100' } }, 'Deny', 's3:ListBucket'),
    [
      [{ 's3:max-keys': '500' }, 'Deny'],
      [{ 's3:max-keys': '100' }, 'None'],
      [{}, 'None'],
    ],
    undefined,
    's3:ListBucket',
  ),
  ...withContext(
    'Deny NumericNotEquals (negated: a missing key matches)',
    cond({ NumericNotEquals: { 's3:max-keys': '10' } }, 'Deny', 's3:ListBucket'),
    [
      [{ 's3:max-keys': '10' }, 'None'],
      [{ 's3:max-keys': '9' }, 'Deny'],
      [{}, 'Deny'],
    ],
    undefined,
    's3:ListBucket',
  ),
  ...withContext(
    's3:ExistingObjectTag',
    cond({ StringEquals: { 's3:ExistingObjectTag/classification': 'public' } }),
    [
      [{ 's3:ExistingObjectTag/classification': 'public' }, 'Allow'],
      [{ 's3:ExistingObjectTag/classification': 'secret' }, 'None'],
      [{ 's3:ExistingObjectTag/Classification': 'public' }, 'None'],
      [{}, 'None'],
    ],
  ),
  ...withContext('Deny on a tag', cond({ StringEquals: { 's3:ExistingObjectTag/secret': 'true' } }, 'Deny'), [
    [{ 's3:ExistingObjectTag/secret': 'true' }, 'Deny'],
    [{}, 'None'],
  ]),
  ...withContext(
    'Deny Null sse true',
    cond({ Null: { 's3:x-amz-server-side-encryption': 'true' } }, 'Deny'),
    [
      [{}, 'Deny'],
      [{ 's3:x-amz-server-side-encryption': 'AES256' }, 'None'],
    ],
  ),
  ...withContext('Allow Null false', cond({ Null: { 's3:x-amz-acl': 'false' } }), [
    [{ 's3:x-amz-acl': 'private' }, 'Allow'],
    [{}, 'None'],
  ]),
  ...withContext(
    'Deny StringNotEqualsIfExists',
    cond({ StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'AES256' } }, 'Deny'),
    [
      [{}, 'Deny'],
      [{ 's3:x-amz-server-side-encryption': 'AES256' }, 'None'],
      [{ 's3:x-amz-server-side-encryption': 'aws:kms' }, 'Deny'],
    ],
  ),
  ...withContext(
    'Allow StringEqualsIfExists',
    cond({ StringEqualsIfExists: { 's3:x-amz-acl': 'private' } }),
    [
      [{}, 'Allow'],
      [{ 's3:x-amz-acl': 'private' }, 'Allow'],
      [{ 's3:x-amz-acl': 'public-read' }, 'None'],
    ],
  ),
  ...withContext(
    'two keys of one operator AND',
    cond({ StringEquals: { 's3:prefix': 'home/', 's3:delimiter': '/' } }),
    [
      [{ 's3:prefix': 'home/', 's3:delimiter': '/' }, 'Allow'],
      [{ 's3:prefix': 'home/' }, 'None'],
      [{ 's3:prefix': 'home/', 's3:delimiter': '|' }, 'None'],
    ],
  ),
  ...withContext(
    'two operators AND',
    cond({ Bool: { 'aws:SecureTransport': 'true' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
    [
      [{ 'aws:SecureTransport': 'true', 'aws:SourceIp': '10.0.0.1' }, 'Allow'],
      [{ 'aws:SecureTransport': 'false', 'aws:SourceIp': '10.0.0.1' }, 'None'],
      [{ 'aws:SecureTransport': 'true', 'aws:SourceIp': '11.0.0.1' }, 'None'],
    ],
  ),
  ...withContext(
    'ForAnyValue:StringEquals tag keys',
    cond({ 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['a', 'b'] } }),
    [
      [{ 's3:RequestObjectTagKeys': ['a', 'c'] }, 'Allow'],
      [{ 's3:RequestObjectTagKeys': ['c'] }, 'None'],
      [{}, 'None'],
    ],
  ),
  ...withContext(
    'ForAllValues:StringEquals tag keys',
    cond({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['a', 'b'] } }),
    [
      [{ 's3:RequestObjectTagKeys': ['a', 'b'] }, 'Allow'],
      [{ 's3:RequestObjectTagKeys': ['a', 'c'] }, 'None'],
      [{}, 'Allow'],
    ],
  ),
  ...withContext(
    'DateLessThan aws:CurrentTime',
    cond({ DateLessThan: { 'aws:CurrentTime': '2100-01-01T00:00:00Z' } }),
    [
      [{ 'aws:CurrentTime': '2026-12-06T09:00:00Z' }, 'Allow'],
      [{ 'aws:CurrentTime': '2101-01-01T00:00:00Z' }, 'None'],
    ],
  ),
  ...withContext(
    'DateGreaterThan epoch seconds',
    cond({ DateGreaterThan: { 'aws:CurrentTime': '1700000000' } }),
    [
      [{ 'aws:CurrentTime': '2026-12-06T09:00:00Z' }, 'Allow'],
      [{ 'aws:CurrentTime': '2020-01-01T00:00:00Z' }, 'None'],
    ],
  ),
  ...withContext('StringLike aws:UserAgent', cond({ StringLike: { 'aws:UserAgent': '*aws-cli*' } }), [
    [{ 'aws:UserAgent': 'aws-cli/2.9 Python/3.11' }, 'Allow'],
    [{ 'aws:UserAgent': 'curl/8.0' }, 'None'],
  ]),
  ...withContext('StringLike aws:Referer', cond({ StringLike: { 'aws:Referer': 'https://example.com/*' } }), [
    [{ 'aws:Referer': 'https://example.com/page' }, 'Allow'],
    [{ 'aws:Referer': 'https://evil.example/page' }, 'None'],
    [{}, 'None'],
  ]),
  ...withContext(
    'ArnLike aws:PrincipalArn',
    cond({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::alice:*' } }),
    [
      [{ 'aws:PrincipalArn': 'arn:aws:iam::alice:root' }, 'Allow'],
      [{ 'aws:PrincipalArn': 'arn:aws:iam::bob:root' }, 'None'],
    ],
  ),
  ...withContext('condition key names ignore case', cond({ StringEquals: { 'S3:X-AMZ-ACL': 'private' } }), [
    [{ 's3:x-amz-acl': 'private' }, 'Allow'],
  ]),
  ...withContext(
    'a positive condition on a missing key never applies a Deny',
    cond({ StringEquals: { 's3:x-amz-acl': 'public-read' } }, 'Deny'),
    [[{}, 'None']],
  ),
];

/** Lower-cases context key names as the gateway does (tag keys keep their case). */
const contextOf = (values: Record<string, string | string[]> = {}) => {
  const map = new Map<string, string[]>();
  for (const [k, v] of Object.entries(values)) {
    const slash = k.indexOf('/');
    const name = slash > 0 ? k.slice(0, slash).toLowerCase() + k.slice(slash) : k.toLowerCase();
    map.set(name, Array.isArray(v) ? v : [v]);
  }
  return (key: string) => map.get(key);
};

describe('bucket policy evaluation (AWS semantics)', () => {
  const all = [...cases, ...conditionCases];
  it('has at least 100 cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(100);
  });
  it.each(all.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const key = c.key === null ? undefined : (c.key ?? 'k.txt');
    const decision = evaluatePolicy(compilePolicy(c.policy), {
      principal: c.who,
      action: c.action ?? 's3:GetObject',
      resource: key === undefined ? B : `${B}/${key}`,
      context: contextOf(c.context),
    });
    expect(decision).toBe(c.expect);
  });
});
