import { describe, expect, it } from 'vitest';
import { boto3Python, cleanEnv, run } from '../clients-fixture.js';
import { ALICE, BOB, CUSTOMER_KEY, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, boto3 (issue #19 item 7): put_object_acl grants, put_bucket_policy, and every
 * SSE mode through put_object, head_object, get_object, copy_object, and upload_file of a 9 MiB file,
 * which s3transfer sends in parts by itself in every mode (Debian's boto3 1.26 leaves the customer key
 * out of CompleteMultipartUpload, as S3 allows). One Python script does a scenario and
 * prints what it saw as JSON; the assertions are here. Debian's python3-boto3 runs it; where only a
 * pip-installed boto3 exists (a developer machine), that one does.
 */
const m = matrixGateway();

const PRELUDE = `
import boto3, botocore, hashlib, json, sys
from boto3.s3.transfer import TransferConfig
args = json.loads(sys.argv[1])
def client(key):
    return boto3.client('s3', endpoint_url=args['endpoint'], aws_access_key_id=key['accessKeyId'],
        aws_secret_access_key=key['secretAccessKey'], region_name='us-east-1',
        config=botocore.config.Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
alice, bob = client(args['alice']), client(args['bob'])
def code(call):
    try:
        call()
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return str(e.response['ResponseMetadata']['HTTPStatusCode']) + ' ' + e.response['Error']['Code']
out = {}
`;

async function boto(script: string, ...files: string[]): Promise<Record<string, unknown>> {
  const args = JSON.stringify({
    endpoint: m.gw.endpoint,
    alice: ALICE,
    bob: BOB,
    kms: KMS_KEY,
    customer: CUSTOMER_KEY,
    work: m.work,
  });
  const { stdout } = await run(
    await boto3Python(),
    ['-c', `${PRELUDE}${script}\nprint(json.dumps(out))`, args, ...files],
    {
      env: cleanEnv,
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('boto3 × users, ACLs, a policy and every SSE mode', () => {
  it('users and ACLs: bob is refused, then reads after put_object_acl GrantRead', async () => {
    const out = await boto(`
alice.create_bucket(Bucket='botom')
alice.put_object(Bucket='botom', Key='acl.txt', Body=b'for bob')
out['before'] = code(lambda: bob.get_object(Bucket='botom', Key='acl.txt'))
alice.put_object_acl(Bucket='botom', Key='acl.txt', GrantRead='id=bob')
out['after'] = bob.get_object(Bucket='botom', Key='acl.txt')['Body'].read().decode()
`);
    expect(out).toEqual({ before: '403 AccessDenied', after: 'for bob' });
  }, 120_000);

  it('put_bucket_policy: bob may write to inbox/ once it is set; the Deny stops the owner reading sealed/', async () => {
    const out = await boto(`
out['before'] = code(lambda: bob.put_object(Bucket='botom', Key='inbox/b.txt', Body=b'x'))
alice.put_bucket_policy(Bucket='botom', Policy=${JSON.stringify(matrixPolicy('botom'))})
out['after'] = code(lambda: bob.put_object(Bucket='botom', Key='inbox/b.txt', Body=b'x'))
alice.put_object(Bucket='botom', Key='sealed/s.txt', Body=b'x')
out['sealed'] = code(lambda: alice.get_object(Bucket='botom', Key='sealed/s.txt'))
alice.delete_bucket_policy(Bucket='botom')
`);
    expect(out).toEqual({ before: '403 AccessDenied', after: 'ok', sealed: '403 AccessDenied' });
  }, 120_000);

  it('SSE-S3, SSE-KMS and SSE-C: put, head, get, copy, and 9 MiB upload_file in parts — sealed at rest', async () => {
    const files = {
      small: await m.file('boto-small.txt', 3000, 'BOTO-SMALL-'),
      big: await m.file('boto-big.bin', 9 * 1024 * 1024, 'BOTO-BIG-'),
    };
    const out = await boto(
      `
customer = {'SSECustomerAlgorithm': 'AES256', 'SSECustomerKey': args['customer']}
source_key = {'CopySourceSSECustomerAlgorithm': 'AES256', 'CopySourceSSECustomerKey': args['customer']}
modes = {'s3': ({'ServerSideEncryption': 'AES256'}, {}), 'kms': ({'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': args['kms']}, {}),
         'c': (customer, customer)}
small = open(sys.argv[2], 'rb').read()
big = open(sys.argv[3], 'rb').read()
fields = ['ServerSideEncryption', 'SSEKMSKeyId', 'SSECustomerAlgorithm']
for name, (write, read) in modes.items():
    seen = out[name] = {}
    seen['put'] = {f: v for f, v in alice.put_object(Bucket='botom', Key=name + '.txt', Body=small, **write).items() if f in fields}
    copy = source_key if name == 'c' else {}
    seen['copy'] = {f: v for f, v in alice.copy_object(Bucket='botom', Key=name + '-copy.txt', CopySource='botom/' + name + '.txt', **copy, **write).items() if f in fields}
    alice.upload_file(sys.argv[3], 'botom', name + '.bin', ExtraArgs=write, Config=TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024))
    keys = [name + '.txt', name + '-copy.txt', name + '.bin']
    for key in keys:
        head = alice.head_object(Bucket='botom', Key=key, **read)
        body = alice.get_object(Bucket='botom', Key=key, **read)['Body'].read()
        seen[key] = {'head': {f: v for f, v in head.items() if f in fields}, 'etag': head['ETag'], 'same': body == (big if key.endswith('.bin') else small)}
out['nokey'] = code(lambda: alice.get_object(Bucket='botom', Key='c.txt'))
out['nokey-parts'] = code(lambda: alice.get_object(Bucket='botom', Key='c.bin'))
out['otherkey-parts'] = code(lambda: alice.get_object(Bucket='botom', Key='c.bin', SSECustomerAlgorithm='AES256', SSECustomerKey='another-customer-key-32-bytes-ok'))
alice.download_file('botom', 'c.bin', sys.argv[3] + '.back', ExtraArgs=customer)
out['download'] = open(sys.argv[3] + '.back', 'rb').read() == big
`,
      files.small.path,
      files.big.path,
    );
    const expected = {
      s3: { ServerSideEncryption: 'AES256' },
      kms: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY },
      c: { SSECustomerAlgorithm: 'AES256' },
    };
    for (const [name, headers] of Object.entries(expected)) {
      const seen = out[name] as Record<string, { head: unknown; etag: string; same: boolean }>;
      expect(seen.put, name).toEqual(headers);
      expect(seen.copy, name).toEqual(headers);
      for (const key of [`${name}.txt`, `${name}-copy.txt`, `${name}.bin`]) {
        expect(seen[key], key).toMatchObject({ head: headers, same: true });
      }
      expect(seen[`${name}.bin`]!.etag).toMatch(/-2"$/);
    }
    expect(out.nokey).toBe('400 InvalidRequest');
    expect([out['nokey-parts'], out['otherkey-parts'], out.download]).toEqual([
      '400 InvalidRequest',
      '403 AccessDenied',
      true,
    ]);
    for (const name of ['kms', 'c']) {
      expect(m.served(new RegExp(`^POST /botom/${name}\\.bin\\?uploadId=\\w+ 200$`)), name).toHaveLength(1);
    }
    expect(await m.atRest('botom', 'BOTO-SMALL-')).toBe(false);
    expect(await m.atRest('botom', 'BOTO-BIG-')).toBe(false);
  }, 120_000);
});
