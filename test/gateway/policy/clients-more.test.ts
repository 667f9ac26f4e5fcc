import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { cleanEnv, run } from '../clients-fixture.js';
import { ACCESS_KEY, SECRET_KEY, startGateway, type TestGateway } from '../support.js';

/**
 * Bucket policies and browser-upload policies made by more real clients (issue #19 items 3, 4 and 7):
 * boto3 (Debian's python3-boto3: put_bucket_policy, get_bucket_policy_status, generate_presigned_post)
 * and minio-js (setBucketPolicy, getBucketPolicy, presignedPostPolicy). The POST forms those libraries
 * sign are sent with fetch + FormData. The test key is the first user's.
 */
const USERS: GatewayUser[] = [{ id: 'alice', keys: [] }];

const postForm = async (url: string, fields: Record<string, string>, body: string, filename = 'f.txt') => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append('file', new Blob([body]), filename);
  const res = await fetch(url, { method: 'POST', body: data, redirect: 'manual' });
  return { status: res.status, body: await res.text() };
};

describe('policies from boto3 and minio-js', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ users: USERS });
  });
  afterAll(() => gw?.stop());

  it('boto3: bucket policy round trip and status; generate_presigned_post signs a form the gateway takes', async (context) => {
    const probe = await run('python3', ['-c', 'import boto3'], { env: cleanEnv, timeout: 30_000 }).then(
      () => true,
      () => false,
    );
    if (!probe) context.skip(); // boto3 (python3-boto3) is not installed on this machine; minio-js below still runs
    const script = `
import boto3, json, sys
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
                  region_name='us-east-1', config=boto3.session.Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
s3.create_bucket(Bucket='botopol')
policy = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject',
          'Resource': 'arn:aws:s3:::botopol/pub/*'}]}
s3.put_bucket_policy(Bucket='botopol', Policy=json.dumps(policy))
got = json.loads(s3.get_bucket_policy(Bucket='botopol')['Policy'])
status = s3.get_bucket_policy_status(Bucket='botopol')['PolicyStatus']['IsPublic']
post = s3.generate_presigned_post('botopol', 'pub/\${filename}', Fields={'success_action_status': '201'},
    Conditions=[['starts-with', '$key', 'pub/'], {'success_action_status': '201'}, ['content-length-range', 1, 100]],
    ExpiresIn=600)
print(json.dumps({'same': got == policy, 'public': status, 'post': post}))
`;
    const { stdout } = await run('python3', ['-c', script, gw.endpoint, ACCESS_KEY, SECRET_KEY], {
      env: cleanEnv,
      timeout: 60_000,
    });
    const out = JSON.parse(stdout) as {
      same: boolean;
      public: boolean;
      post: { url: string; fields: Record<string, string> };
    };
    expect([out.same, out.public]).toEqual([true, true]);
    const created = await postForm(out.post.url, out.post.fields, 'posted by a boto3 form', 'boto.txt');
    expect(created.status).toBe(201);
    expect(created.body).toContain('<Key>pub/boto.txt</Key>');
    const anonymous = await fetch(`${gw.endpoint}/botopol/pub/boto.txt`);
    expect([anonymous.status, await anonymous.text()]).toEqual([200, 'posted by a boto3 form']);
    expect((await postForm(out.post.url, out.post.fields, 'x'.repeat(101))).status).toBe(400);
  }, 120_000);

  it('minio-js: setBucketPolicy/getBucketPolicy and a presignedPostPolicy form', async () => {
    const url = new URL(gw.endpoint);
    const minio = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      pathStyle: true,
    });
    await minio.makeBucket('miniopol', 'us-east-1');
    await minio.putObject('miniopol', 'shared/a.txt', Readable.from([Buffer.from('shared by minio')]));
    expect((await fetch(`${gw.endpoint}/miniopol/shared/a.txt`)).status).toBe(403);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::miniopol/shared/*'],
        },
      ],
    };
    await minio.setBucketPolicy('miniopol', JSON.stringify(policy));
    expect(JSON.parse(await minio.getBucketPolicy('miniopol'))).toEqual(policy);
    const anonymous = await fetch(`${gw.endpoint}/miniopol/shared/a.txt`);
    expect([anonymous.status, await anonymous.text()]).toEqual([200, 'shared by minio']);
    const post = minio.newPostPolicy();
    post.setBucket('miniopol');
    post.setKey('uploads/m.txt');
    post.setExpires(new Date(Date.now() + 600_000));
    post.setContentType('text/plain');
    post.setContentLengthRange(1, 1024);
    const { postURL, formData } = await minio.presignedPostPolicy(post);
    const res = await postForm(postURL, formData as Record<string, string>, 'posted by a minio form');
    expect(res.status).toBe(204);
    const back = await minio.getObject('miniopol', 'uploads/m.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of back) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('posted by a minio form');
    await minio.setBucketPolicy('miniopol', '');
    expect((await fetch(`${gw.endpoint}/miniopol/shared/a.txt`)).status).toBe(403);
  }, 120_000);
});
