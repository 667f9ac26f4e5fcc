// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables are written as ${...} inside plain strings
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { compilePolicy, type Decision, evaluatePolicy } from '../../../src/gateway/policy/index.js';
import { sdkClient, startGateway, type TestGateway } from '../support.js';

/**
 * Policy variables (issue #19): in a 2012-10-17 policy, `${aws:username}` and `${aws:userid}` in Resource
 * and in string and ARN condition values are the caller's, `${*}`, `${?}` and `${$}` are those characters
 * themselves, `${key, 'default'}` falls back; a variable the request has no value for matches nothing;
 * in a 2008-10-17 policy `${...}` is literal text — as the IAM policy variables reference describes.
 */
const B = 'arn:aws:s3:::bkt';
const decide = (
  statement: Record<string, unknown>,
  who: string | undefined,
  key: string,
  context: Record<string, string> = {},
  version = '2012-10-17',
): Decision => {
  const policy = compilePolicy(
    JSON.stringify({
      Version: version,
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', ...statement }],
    }),
  );
  const values: Record<string, string> = {
    ...context,
    ...(who ? { 'aws:username': who, 'aws:userid': who } : {}),
  };
  return evaluatePolicy(policy, {
    principal: who,
    action: 's3:GetObject',
    resource: `${B}/${key}`,
    context: (k) => (values[k] === undefined ? undefined : [values[k]!]),
  });
};

describe('policy variables', () => {
  const home = { Resource: `${B}/home/\${aws:username}/*` };
  it.each([
    ['the caller’s own home', home, 'bob', 'home/bob/a.txt', {}, 'Allow'],
    ['another user’s home', home, 'bob', 'home/alice/a.txt', {}, 'None'],
    ['anonymous: no username, no match', home, undefined, 'home//a.txt', {}, 'None'],
    ['a username is literal, not a wildcard', home, 'b*', 'home/bob/a.txt', {}, 'None'],
    ['aws:userid', { Resource: `${B}/u/\${aws:userid}` }, 'carol', 'u/carol', {}, 'Allow'],
    ['${*} is a literal star', { Resource: `${B}/stars/\${*}` }, 'bob', 'stars/anything', {}, 'None'],
    ['${*} matches a key named *', { Resource: `${B}/stars/\${*}` }, 'bob', 'stars/*', {}, 'Allow'],
    ['${?} and ${$}', { Resource: `${B}/q\${?}\${$}` }, 'bob', 'q?$', {}, 'Allow'],
    ['${?} is not one character', { Resource: `${B}/q\${?}` }, 'bob', 'qx', {}, 'None'],
    [
      'a default for a missing value',
      { Resource: `${B}/home/\${aws:username, 'guest'}/*` },
      undefined,
      'home/guest/a',
      {},
      'Allow',
    ],
    ['2008-10-17: a variable is literal text', home, 'bob', 'home/bob/a.txt', {}, 'None', '2008-10-17'],
    [
      '2008-10-17: … that matches itself',
      home,
      'bob',
      'home/${aws:username}/a.txt',
      {},
      'Allow',
      '2008-10-17',
    ],
    [
      'StringLike condition value',
      { Resource: `${B}/*`, Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/*' } } },
      'bob',
      'x',
      { 's3:prefix': 'home/bob/docs/' },
      'Allow',
    ],
    [
      'StringLike condition value, another user’s prefix',
      { Resource: `${B}/*`, Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/*' } } },
      'bob',
      'x',
      { 's3:prefix': 'home/alice/' },
      'None',
    ],
    [
      'StringEquals keeps a * in the value literal',
      { Resource: `${B}/*`, Condition: { StringEquals: { 's3:prefix': '${aws:username}/*' } } },
      'bob',
      'x',
      { 's3:prefix': 'bob/docs' },
      'None',
    ],
    [
      'StringNotEquals with a variable',
      { Resource: `${B}/*`, Condition: { StringNotEquals: { 's3:prefix': '${aws:username}' } } },
      'bob',
      'x',
      { 's3:prefix': 'alice' },
      'Allow',
    ],
  ] as const)('%s', (_name, statement, who, key, context, want, version?: string) => {
    expect(decide(statement, who, key, context, version ?? '2012-10-17')).toBe(want);
  });
});

describe('policy variables through the gateway', () => {
  const users: GatewayUser[] = [
    { id: 'alice', keys: [] },
    { id: 'bob', keys: [{ accessKeyId: 'AKVARBOB', secretAccessKey: 'bob-variables-secret-0123' }] },
    { id: 'carol', keys: [{ accessKeyId: 'AKVARCAROL', secretAccessKey: 'carol-variables-secret-01' }] },
  ];
  let gw: TestGateway;
  const clients: S3Client[] = [];
  const as = (i: number) => {
    const key = users[i]!.keys[0];
    const client = sdkClient(gw.endpoint, key ? { credentials: key } : {});
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    gw = await startGateway({ users });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await gw?.stop();
  });
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
    );

  it('one statement gives every user a home: write and list their own prefix only', async () => {
    await as(0).send(new CreateBucketCommand({ Bucket: 'homes' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['bob', 'carol'] },
          Action: ['s3:PutObject', 's3:GetObject'],
          Resource: 'arn:aws:s3:::homes/home/${aws:username}/*',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: ['bob', 'carol'] },
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::homes',
          Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/*' } },
        },
      ],
    };
    await as(0).send(new PutBucketPolicyCommand({ Bucket: 'homes', Policy: JSON.stringify(policy) }));
    const put = (i: number, Key: string) =>
      status(as(i).send(new PutObjectCommand({ Bucket: 'homes', Key, Body: 'x' })));
    const list = (i: number, Prefix: string) =>
      status(as(i).send(new ListObjectsV2Command({ Bucket: 'homes', Prefix })));
    expect(await put(1, 'home/bob/a.txt')).toBe(200);
    expect(await put(1, 'home/carol/a.txt')).toBe(403);
    expect(await put(2, 'home/carol/a.txt')).toBe(200);
    expect(await list(1, 'home/bob/')).toBe(200);
    expect(await list(1, 'home/carol/')).toBe(403);
    expect(await list(2, 'home/carol/')).toBe(200);
  });
});
