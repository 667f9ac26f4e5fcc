import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutBucketAclCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, sdkGateway } from '../support.js';
import { sigV2Fields, sigV4Fields } from './sign.js';

/**
 * POST Object (issue #19 item 4) from Node's fetch with FormData (a real multipart encoder): SigV4 and
 * SigV2 policy signatures, the policy's conditions, the three kinds of answer, and hostile forms.
 */
const keys = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
const bob: GatewayUser = {
  id: 'bob',
  keys: [{ accessKeyId: 'AKBOB', secretAccessKey: 'bob-secret-key-0123456789' }],
};
const t = sdkGateway({ users: [{ id: 'alice', keys: [] }, bob] }, 'uploads');

const form = (fields: Record<string, string>, file = 'file body', filename = 'photo.jpg') => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append('file', new Blob([file]), filename);
  return data;
};
const post = async (data: FormData | string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${t.gw.endpoint}/uploads`, {
    method: 'POST',
    body: data,
    headers,
    redirect: 'manual',
  });
  const body = await res.text();
  return { status: res.status, body, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], headers: res.headers };
};
const read = async (Key: string) => {
  const got = await t.s3.send(new GetObjectCommand({ Bucket: 'uploads', Key }));
  return { text: await got.Body!.transformToString(), type: got.ContentType, metadata: got.Metadata };
};
const exists = (Key: string) =>
  t.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key })).then(
    () => true,
    () => false,
  );

describe('browser uploads (POST Object)', () => {
  it('SigV4: stores the file under the key with the form’s Content-Type and metadata; 204 by default', async () => {
    const fields = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder for the file's name
      key: 'user/alice/${filename}',
      'Content-Type': 'image/jpeg',
      'x-amz-meta-owner': 'alice',
      ...sigV4Fields(
        [
          { bucket: 'uploads' },
          ['starts-with', '$key', 'user/alice/'],
          { 'Content-Type': 'image/jpeg' },
          ['starts-with', '$x-amz-meta-owner', ''],
        ],
        keys,
      ),
    };
    const res = await post(form(fields, 'jpeg bytes'));
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get('location')).toBe(`${t.gw.endpoint}/uploads/user/alice/photo.jpg`);
    expect(await read('user/alice/photo.jpg')).toEqual({
      text: 'jpeg bytes',
      type: 'image/jpeg',
      metadata: { owner: 'alice' },
    });
  });

  it('SigV2: success_action_status 201 answers a PostResponse document, 200 an empty body', async () => {
    const conditions = [
      { bucket: 'uploads' },
      ['starts-with', '$key', 'v2/'],
      ['starts-with', '$success_action_status', ''],
    ];
    const created = await post(
      form({ key: 'v2/a.txt', success_action_status: '201', ...sigV2Fields(conditions, keys) }, 'two'),
    );
    expect(created.status).toBe(201);
    expect(created.body).toContain('<Bucket>uploads</Bucket><Key>v2/a.txt</Key>');
    expect(created.body).toMatch(/<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>|<ETag>"[0-9a-f]{32}"<\/ETag>/);
    const ok = await post(
      form({ key: 'v2/b.txt', success_action_status: '200', ...sigV2Fields(conditions, keys) }, 'b'),
    );
    expect([ok.status, ok.body]).toEqual([200, '']);
    expect((await read('v2/a.txt')).text).toBe('two');
    const forged = {
      key: 'v2/c.txt',
      success_action_status: '200',
      ...sigV2Fields(conditions, { ...keys, secretAccessKey: 'wrong' }),
    };
    expect((await post(form(forged))).code).toBe('SignatureDoesNotMatch');
    expect(await exists('v2/c.txt')).toBe(false);
  });

  it('success_action_redirect: 303 to the URL with bucket, key and ETag', async () => {
    const fields = {
      key: 'r/x.txt',
      success_action_redirect: 'https://app.example/done?from=form',
      ...sigV4Fields(
        [
          { bucket: 'uploads' },
          { key: 'r/x.txt' },
          ['eq', '$success_action_redirect', 'https://app.example/done?from=form'],
        ],
        keys,
      ),
    };
    const res = await post(form(fields));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://app.example/done');
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      from: 'form',
      bucket: 'uploads',
      key: 'r/x.txt',
    });
    expect(location.searchParams.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('refuses what the policy does not allow, storing nothing', async () => {
    const base = [{ bucket: 'uploads' }, ['starts-with', '$key', 'ok/'], ['content-length-range', 2, 10]];
    const cases: [string, Record<string, string>, string, number, string][] = [
      ['key outside starts-with', { key: 'other/a', ...sigV4Fields(base, keys) }, 'abc', 403, 'AccessDenied'],
      [
        'file too large',
        { key: 'ok/big', ...sigV4Fields(base, keys) },
        'x'.repeat(11),
        400,
        'EntityTooLarge',
      ],
      ['file too small', { key: 'ok/small', ...sigV4Fields(base, keys) }, 'x', 400, 'EntityTooSmall'],
      [
        'a field no condition names',
        { key: 'ok/extra', acl: 'public-read', ...sigV4Fields(base, keys) },
        'abc',
        403,
        'AccessDenied',
      ],
      [
        'exact field differs',
        {
          key: 'ok/type',
          'Content-Type': 'text/html',
          ...sigV4Fields([...base, { 'Content-Type': 'text/plain' }], keys),
        },
        'abc',
        403,
        'AccessDenied',
      ],
      [
        'another bucket in the policy',
        { key: 'ok/b', ...sigV4Fields([{ bucket: 'other' }, ['starts-with', '$key', '']], keys) },
        'abc',
        403,
        'AccessDenied',
      ],
      [
        'expired policy',
        { key: 'ok/old', ...sigV4Fields(base, keys, { expiresInMs: -1000 }) },
        'abc',
        403,
        'AccessDenied',
      ],
      [
        'unknown access key',
        { key: 'ok/k', ...sigV4Fields(base, { ...keys, accessKeyId: 'AKNOBODY' }) },
        'abc',
        403,
        'InvalidAccessKeyId',
      ],
      ['no key field', { ...sigV4Fields(base, keys) }, 'abc', 400, 'InvalidArgument'],
    ];
    for (const [name, fields, file, status, code] of cases) {
      const res = await post(form(fields, file));
      expect([name, res.status, res.code]).toEqual([name, status, code]);
    }
    for (const key of ['other/a', 'ok/big', 'ok/small', 'ok/extra', 'ok/type', 'ok/b', 'ok/old', 'ok/k']) {
      expect([key, await exists(key)]).toEqual([key, false]);
    }
    const good = await post(form({ key: 'ok/fine', ...sigV4Fields(base, keys) }, 'just right'));
    expect(good.status).toBe(204);
  });

  it('a signed form still needs the signer’s permission; anonymous forms need a public-write ACL', async () => {
    const asBob = {
      key: 'bob.txt',
      ...sigV4Fields([{ bucket: 'uploads' }, { key: 'bob.txt' }], {
        accessKeyId: 'AKBOB',
        secretAccessKey: bob.keys[0]!.secretAccessKey,
      }),
    };
    expect((await post(form(asBob))).code).toBe('AccessDenied');
    expect((await post(form({ key: 'anon.txt' }))).code).toBe('AccessDenied');
    const alice = sdkClient(t.gw.endpoint);
    await alice.send(new PutBucketAclCommand({ Bucket: 'uploads', ACL: 'public-read-write' }));
    expect((await post(form({ key: 'anon.txt' }, 'from anyone'))).status).toBe(204);
    expect((await post(form(asBob))).status).toBe(204);
    await alice.send(new PutBucketAclCommand({ Bucket: 'uploads', ACL: 'private' }));
    alice.destroy();
    expect((await read('anon.txt')).text).toBe('from anyone');
  });

  it('hostile forms: oversized fields, broken multipart, a file that never ends — the right error, nothing stored', async () => {
    const huge = {
      key: 'h/1',
      'x-ignore-pad': 'p'.repeat(30_000),
      ...sigV4Fields([{ bucket: 'uploads' }, ['starts-with', '$key', 'h/']], keys),
    };
    expect((await post(form(huge))).code).toBe('MaxPostPreDataLengthExceededError');
    const type = { 'content-type': 'multipart/form-data; boundary=XyZ' };
    expect((await post('no boundary at all', type)).code).toBe('MalformedPOSTRequest');
    const signed = sigV4Fields([{ bucket: 'uploads' }, ['starts-with', '$key', 'h/']], keys);
    const parts = Object.entries({ key: 'h/2', ...signed })
      .map(([name, value]) => `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('');
    const unterminated = `${parts}--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nnever ends`;
    expect((await post(unterminated, type)).code).toBe('MalformedPOSTRequest');
    const noFile = '--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nh/3\r\n--XyZ--\r\n';
    expect((await post(noFile, type)).code).toBe('InvalidArgument');
    const badPolicy = {
      key: 'h/4',
      policy: Buffer.from('not json').toString('base64'),
      AWSAccessKeyId: ACCESS_KEY,
      signature: 'x',
    };
    expect((await post(form(badPolicy))).code).toBe('SignatureDoesNotMatch');
    const files = await readdir(join(t.gw.root, 'uploads'), { recursive: true });
    expect(files.filter((f) => f.startsWith('h/') || f.startsWith('h\\'))).toEqual([]);
    expect(
      (
        await post(
          form({ key: 'h/ok', ...sigV4Fields([{ bucket: 'uploads' }, ['starts-with', '$key', 'h/']], keys) }),
        )
      ).status,
    ).toBe(204);
  });
});
