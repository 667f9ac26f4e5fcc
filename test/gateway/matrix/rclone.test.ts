import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../../support/debian.js';
import { cleanEnv, run } from '../clients-fixture.js';
import { ALICE, BOB, CUSTOMER_KEY, DENIED, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, rclone 1.60 (issue #19 item 7). rclone sets canned ACLs (`--s3-acl`) but neither
 * grants nor bucket policies, so alice's grant and the policy are made with the SDK and bob's side is
 * rclone's. SSE-S3 (`server_side_encryption = AES256`), SSE-KMS (`sse_kms_key_id`) and SSE-C
 * (`sse_customer_key`) remotes copy files up (a 9 MiB one in 5 MiB parts in every mode; rclone 1.60,
 * like awscli 2.9, leaves the customer key out of CompleteMultipartUpload, as S3 allows),
 * server-side, and back; a remote without the customer key reads nothing.
 */
// rclone sends customer keys over HTTPS only, so this gateway speaks TLS
const m = matrixGateway({ tls: true });
const ACCESS_DENIED = /AccessDenied|403|Forbidden|directory not found|not found/;

describe('rclone × users, ACLs, a policy and every SSE mode', () => {
  const alice = () => m.sdk();
  const rclone = async (who: typeof ALICE, extra: readonly string[], ...args: string[]) => {
    const config = join(m.work, `rclone-${who.accessKeyId}-${extra.length}-${extra.join('').length}.conf`);
    await writeFile(
      config,
      [
        '[gw]',
        'type = s3',
        'provider = Other',
        `access_key_id = ${who.accessKeyId}`,
        `secret_access_key = ${who.secretAccessKey}`,
        `endpoint = ${m.gw.endpoint}`,
        'region = us-east-1',
        'force_path_style = true',
        ...extra,
        '',
      ].join('\n'),
    );
    const flags = [
      '--config',
      config,
      '--ca-cert',
      m.ca!,
      // no HEAD after an upload: the policy lets bob write to inbox/ but not read it
      '--s3-no-head',
      '--s3-upload-cutoff',
      '5M',
      '--s3-chunk-size',
      '5M',
      '--retries',
      '1',
      '--low-level-retries',
      '1',
      '--s3-no-check-bucket',
    ];
    return (await run('rclone', [...flags, ...args], { env: cleanEnv, timeout: 120_000 })).stdout;
  };

  it('users and ACLs: bob is refused, then reads after a grant; --s3-acl authenticated-read lets him too', async () => {
    requireDebian('rclone');
    const small = await m.file('rc-acl.txt', 2000, 'RC-ACL-');
    await alice().send(new CreateBucketCommand({ Bucket: 'rcm' })); // rclone runs with --s3-no-check-bucket
    await rclone(ALICE, [], 'copyto', small.path, 'gw:rcm/acl.txt');
    await expect(rclone(BOB, [], 'copyto', 'gw:rcm/acl.txt', join(m.work, 'bob.out'))).rejects.toThrow(
      ACCESS_DENIED,
    );
    await alice().send(new PutObjectAclCommand({ Bucket: 'rcm', Key: 'acl.txt', GrantRead: 'id=bob' }));
    await rclone(BOB, [], 'copyto', 'gw:rcm/acl.txt', join(m.work, 'bob.out'));
    expect((await readFile(join(m.work, 'bob.out'))).equals(small.bytes)).toBe(true);
    await rclone(ALICE, ['acl = authenticated-read'], 'copyto', small.path, 'gw:rcm/auth.txt');
    await rclone(BOB, [], 'copyto', 'gw:rcm/auth.txt', join(m.work, 'bob.out'));
    expect((await readFile(join(m.work, 'bob.out'))).equals(small.bytes)).toBe(true);
  }, 240_000);

  it('a bucket policy: bob may write to inbox/ once it is set; the Deny stops the owner reading sealed/', async () => {
    requireDebian('rclone');
    const small = await m.file('rc-pol.txt', 500, 'RC-POL-');
    await expect(
      rclone(BOB, [], '--no-check-dest', 'copyto', small.path, 'gw:rcm/inbox/b.txt'),
    ).rejects.toThrow(DENIED);
    await alice().send(new PutBucketPolicyCommand({ Bucket: 'rcm', Policy: matrixPolicy('rcm') }));
    await rclone(BOB, [], '--no-check-dest', 'copyto', small.path, 'gw:rcm/inbox/b.txt');
    await rclone(ALICE, [], '--no-check-dest', 'copyto', small.path, 'gw:rcm/sealed/s.txt');
    // the Deny makes alice's HEAD a 403; rclone then takes the name for an empty folder: nothing read
    await rclone(ALICE, [], 'copyto', 'gw:rcm/sealed/s.txt', join(m.work, 'sealed.out'));
    expect(m.served(/^HEAD \/rcm\/sealed\/s\.txt 403$/)).not.toHaveLength(0);
    await expect(readFile(join(m.work, 'sealed.out'))).rejects.toThrow(/ENOENT/);
  }, 240_000);

  it('SSE-S3, SSE-KMS and SSE-C: copy up (9 MiB in parts), server-side copy, read back — sealed at rest', async () => {
    requireDebian('rclone');
    const modes = [
      ['s3', ['server_side_encryption = AES256'], { ServerSideEncryption: 'AES256' }],
      [
        'kms',
        ['server_side_encryption = aws:kms', `sse_kms_key_id = ${KMS_KEY}`],
        { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY },
      ],
      [
        'c',
        ['sse_customer_algorithm = AES256', `sse_customer_key = ${CUSTOMER_KEY}`],
        { SSECustomerAlgorithm: 'AES256' },
      ],
    ] as const;
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY };
    for (const [name, remote, expected] of modes) {
      const small = await m.file(`rc-${name}.txt`, 3000, `RC-${name}-SMALL-`);
      const big = await m.file(`rc-${name}.bin`, 9 * 1024 * 1024, `RC-${name}-BIG-`);
      await rclone(ALICE, remote, 'copyto', small.path, `gw:rcm/${name}.txt`);
      await rclone(ALICE, remote, 'copyto', big.path, `gw:rcm/${name}.bin`);
      await rclone(ALICE, remote, 'copyto', `gw:rcm/${name}.txt`, `gw:rcm/${name}-copy.txt`);
      const read = name === 'c' ? customer : {};
      for (const key of [`${name}.txt`, `${name}-copy.txt`, `${name}.bin`]) {
        const head = await alice().send(new HeadObjectCommand({ Bucket: 'rcm', Key: key, ...read }));
        expect(head, key).toMatchObject(expected);
      }
      await rclone(ALICE, remote, 'copyto', `gw:rcm/${name}-copy.txt`, join(m.work, 'back'));
      expect((await readFile(join(m.work, 'back'))).equals(small.bytes)).toBe(true);
      await rclone(ALICE, remote, 'copyto', `gw:rcm/${name}.bin`, join(m.work, 'back'));
      expect((await readFile(join(m.work, 'back'))).equals(big.bytes)).toBe(true);
      expect(await m.atRest('rcm', `RC-${name}-SMALL-`)).toBe(false);
      expect(await m.atRest('rcm', `RC-${name}-BIG-`)).toBe(false);
    }
    // without the customer key: the HEAD is a 400, rclone finds nothing to read
    for (const key of ['c.txt', 'c.bin']) {
      expect(await rclone(ALICE, [], 'cat', `gw:rcm/${key}`).catch(() => ''), key).toBe('');
      await expect(alice().send(new GetObjectCommand({ Bucket: 'rcm', Key: key })), key).rejects.toThrow(
        /parameters must be provided/,
      );
    }
    for (const name of ['kms', 'c']) {
      expect(m.served(new RegExp(`^PUT /rcm/${name}\\.bin\\?partNumber=2&uploadId=\\w+ 200$`))).toHaveLength(
        1,
      );
      expect(m.served(new RegExp(`^POST /rcm/${name}\\.bin\\?uploadId=\\w+ 200$`))).toHaveLength(1);
    }
  }, 240_000);
});
