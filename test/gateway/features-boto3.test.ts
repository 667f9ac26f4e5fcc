import { describe, expect, it } from 'vitest';
import { boto3Python, cleanEnv, clientFixture, run } from './clients-fixture.js';
import { ACCESS_KEY, SECRET_KEY } from './support.js';

/**
 * Issue #18's features through boto3 as Debian ships it (item 7): versioning, object lock, lifecycle, tagging,
 * bucket CORS and tagging, and checksums kept with the object. One Python script per feature drives the gateway
 * and prints what boto3 saw as JSON; the assertions are here.
 */
const f = clientFixture();

const PRELUDE = `
import boto3, botocore, datetime, json, sys
args = json.loads(sys.argv[1])
s3 = boto3.client('s3', endpoint_url=args['endpoint'], aws_access_key_id=args['key'],
    aws_secret_access_key=args['secret'], region_name='us-east-1',
    config=botocore.config.Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
def code(call):
    try:
        call()
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return str(e.response['ResponseMetadata']['HTTPStatusCode']) + ' ' + e.response['Error']['Code']
out = {}
`;

async function boto(script: string): Promise<Record<string, unknown>> {
  const args = JSON.stringify({ endpoint: f.gw.endpoint, key: ACCESS_KEY, secret: SECRET_KEY });
  const { stdout } = await run(
    await boto3Python(),
    ['-c', `${PRELUDE}${script}\nprint(json.dumps(out))`, args],
    {
      env: cleanEnv,
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('boto3 × versioning, object lock, lifecycle, tagging, CORS and checksums', () => {
  it('versioning: versions, reads by id, a delete marker, the latest after it', async () => {
    const out = await boto(`
s3.create_bucket(Bucket='b3-versions')
s3.put_bucket_versioning(Bucket='b3-versions', VersioningConfiguration={'Status': 'Enabled'})
out['status'] = s3.get_bucket_versioning(Bucket='b3-versions')['Status']
v1 = s3.put_object(Bucket='b3-versions', Key='k', Body=b'one')['VersionId']
v2 = s3.put_object(Bucket='b3-versions', Key='k', Body=b'two')['VersionId']
out['distinct'] = v1 != v2
out['first'] = s3.get_object(Bucket='b3-versions', Key='k', VersionId=v1)['Body'].read().decode()
out['latest'] = s3.get_object(Bucket='b3-versions', Key='k')['Body'].read().decode()
marker = s3.delete_object(Bucket='b3-versions', Key='k')
out['marker'] = marker.get('DeleteMarker')
out['after'] = code(lambda: s3.head_object(Bucket='b3-versions', Key='k'))
listed = s3.list_object_versions(Bucket='b3-versions')
out['versions'] = [(v['VersionId'] == v1, v['VersionId'] == v2, v['IsLatest']) for v in listed['Versions']]
out['markers'] = [m['IsLatest'] for m in listed['DeleteMarkers']]
s3.delete_object(Bucket='b3-versions', Key='k', VersionId=marker['VersionId'])
out['restored'] = s3.get_object(Bucket='b3-versions', Key='k')['Body'].read().decode()
`);
    expect(out).toEqual({
      status: 'Enabled',
      distinct: true,
      first: 'one',
      latest: 'two',
      marker: true,
      after: '404 404',
      versions: [
        [false, true, false],
        [true, false, false],
      ],
      markers: [true],
      restored: 'two',
    });
  }, 120_000);

  it('object lock: retention refuses a delete until bypassed, a legal hold refuses it outright', async () => {
    const out = await boto(`
s3.create_bucket(Bucket='b3-lock', ObjectLockEnabledForBucket=True)
out['enabled'] = s3.get_object_lock_configuration(Bucket='b3-lock')['ObjectLockConfiguration']['ObjectLockEnabled']
until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
v = s3.put_object(Bucket='b3-lock', Key='k', Body=b'keep', ObjectLockMode='GOVERNANCE',
    ObjectLockRetainUntilDate=until)['VersionId']
out['mode'] = s3.get_object_retention(Bucket='b3-lock', Key='k', VersionId=v)['Retention']['Mode']
out['refused'] = code(lambda: s3.delete_object(Bucket='b3-lock', Key='k', VersionId=v))
out['bypassed'] = code(lambda: s3.delete_object(Bucket='b3-lock', Key='k', VersionId=v,
    BypassGovernanceRetention=True))
h = s3.put_object(Bucket='b3-lock', Key='held', Body=b'held')['VersionId']
s3.put_object_legal_hold(Bucket='b3-lock', Key='held', VersionId=h, LegalHold={'Status': 'ON'})
out['hold'] = s3.get_object_legal_hold(Bucket='b3-lock', Key='held', VersionId=h)['LegalHold']['Status']
out['held'] = code(lambda: s3.delete_object(Bucket='b3-lock', Key='held', VersionId=h,
    BypassGovernanceRetention=True))
s3.put_object_legal_hold(Bucket='b3-lock', Key='held', VersionId=h, LegalHold={'Status': 'OFF'})
out['released'] = code(lambda: s3.delete_object(Bucket='b3-lock', Key='held', VersionId=h))
`);
    expect(out).toEqual({
      enabled: 'Enabled',
      mode: 'GOVERNANCE',
      refused: '403 AccessDenied',
      bypassed: 'ok',
      hold: 'ON',
      held: '403 AccessDenied',
      released: 'ok',
    });
  }, 120_000);

  it('lifecycle, tagging and CORS: set, read back, limits refused, removed', async () => {
    const out = await boto(`
s3.create_bucket(Bucket='b3-config')
s3.put_bucket_lifecycle_configuration(Bucket='b3-config', LifecycleConfiguration={'Rules': [
    {'ID': 'logs', 'Status': 'Enabled', 'Filter': {'Prefix': 'logs/'}, 'Expiration': {'Days': 7}},
    {'ID': 'uploads', 'Status': 'Enabled', 'Filter': {'Prefix': ''},
     'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 2}}]})
rules = s3.get_bucket_lifecycle_configuration(Bucket='b3-config')['Rules']
out['rules'] = sorted((r['ID'], r.get('Expiration', {}).get('Days'),
    r.get('AbortIncompleteMultipartUpload', {}).get('DaysAfterInitiation')) for r in rules)
s3.delete_bucket_lifecycle(Bucket='b3-config')
out['noLifecycle'] = code(lambda: s3.get_bucket_lifecycle_configuration(Bucket='b3-config'))
s3.put_object(Bucket='b3-config', Key='t', Body=b'x', Tagging='team=core&tier=gold')
out['tags'] = sorted((t['Key'], t['Value']) for t in s3.get_object_tagging(Bucket='b3-config', Key='t')['TagSet'])
out['tooMany'] = code(lambda: s3.put_object_tagging(Bucket='b3-config', Key='t',
    Tagging={'TagSet': [{'Key': 'k%d' % i, 'Value': 'v'} for i in range(11)]}))
s3.delete_object_tagging(Bucket='b3-config', Key='t')
out['untagged'] = s3.get_object_tagging(Bucket='b3-config', Key='t')['TagSet']
s3.put_bucket_tagging(Bucket='b3-config', Tagging={'TagSet': [{'Key': 'owner', 'Value': 'ops'}]})
out['bucketTags'] = s3.get_bucket_tagging(Bucket='b3-config')['TagSet']
s3.put_bucket_cors(Bucket='b3-config', CORSConfiguration={'CORSRules': [
    {'AllowedOrigins': ['https://app.example'], 'AllowedMethods': ['GET', 'PUT'], 'MaxAgeSeconds': 60}]})
cors = s3.get_bucket_cors(Bucket='b3-config')['CORSRules'][0]
out['cors'] = [cors['AllowedOrigins'], sorted(cors['AllowedMethods']), cors.get('MaxAgeSeconds')]
s3.delete_bucket_cors(Bucket='b3-config')
out['noCors'] = code(lambda: s3.get_bucket_cors(Bucket='b3-config'))
`);
    expect(out).toEqual({
      rules: [
        ['logs', 7, null],
        ['uploads', null, 2],
      ],
      noLifecycle: '404 NoSuchLifecycleConfiguration',
      tags: [
        ['team', 'core'],
        ['tier', 'gold'],
      ],
      tooMany: '400 InvalidTag',
      untagged: [],
      bucketTags: [{ Key: 'owner', Value: 'ops' }],
      cors: [['https://app.example'], ['GET', 'PUT'], 60],
      noCors: '404 NoSuchCORSConfiguration',
    });
  }, 120_000);

  it('checksums: a SHA-256 sent with the object comes back on HEAD and in GetObjectAttributes', async () => {
    const out = await boto(`
import base64, hashlib
s3.create_bucket(Bucket='b3-sums')
body = b'checked bytes' * 100
s3.put_object(Bucket='b3-sums', Key='c', Body=body, ChecksumAlgorithm='SHA256')
expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
out['head'] = s3.head_object(Bucket='b3-sums', Key='c', ChecksumMode='ENABLED').get('ChecksumSHA256') == expected
attrs = s3.get_object_attributes(Bucket='b3-sums', Key='c', ObjectAttributes=['ETag', 'Checksum', 'ObjectSize'])
out['attributes'] = [attrs['Checksum'].get('ChecksumSHA256') == expected, attrs['ObjectSize']]
out['wrong'] = code(lambda: s3.put_object(Bucket='b3-sums', Key='d', Body=body,
    ChecksumSHA256=base64.b64encode(hashlib.sha256(b'other').digest()).decode()))
out['stored'] = code(lambda: s3.head_object(Bucket='b3-sums', Key='d'))
`);
    expect(out).toEqual({
      head: true,
      attributes: [true, 1300],
      wrong: '400 BadDigest',
      stored: '404 404',
    });
  }, 120_000);
});
