import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../../support/debian.js';
import { type Cli, type ClientFixture, s3cmdCli } from '../clients-fixture.js';
import { BOB, DENIED, KMS_KEY, matrixGateway, matrixPolicy } from './fixture.js';

/**
 * The client matrix, s3cmd 2.3 (issue #19 item 7): `setacl --acl-grant=read:bob`, `setpolicy` and
 * `delpolicy`, and PUT/info/GET/cp under SSE-S3 (`--server-side-encryption`) and SSE-KMS
 * (`--server-side-encryption-kms-id`), a 9 MiB file in 5 MiB parts (s3cmd checks every part's ETag
 * against its MD5, so SSE-S3 parts must show their plaintext MD5). s3cmd has no SSE-C option at all.
 */
const m = matrixGateway();

describe('s3cmd × users, ACLs, a policy and SSE-S3/SSE-KMS (it has no SSE-C)', () => {
  let cli: Cli | undefined;
  const s3cmd = async (...args: string[]) => {
    cli ??= await s3cmdCli({ gw: m.gw, work: m.work } as ClientFixture, 's3cmd.cfg', [
      'multipart_chunk_size_mb = 5',
    ]);
    return cli(...args);
  };
  const asBob = (...args: string[]) =>
    s3cmd(`--access_key=${BOB.accessKeyId}`, `--secret_key=${BOB.secretAccessKey}`, ...args);

  it('users and ACLs: bob is refused, then reads after setacl --acl-grant', async () => {
    requireDebian('s3cmd');
    const small = await m.file('cmd-acl.txt', 2000, 'CMD-ACL-');
    await s3cmd('mb', 's3://cmdm');
    await s3cmd('put', small.path, 's3://cmdm/acl.txt');
    await expect(asBob('get', '--force', 's3://cmdm/acl.txt', join(m.work, 'bob.out'))).rejects.toThrow(
      DENIED,
    );
    await s3cmd('setacl', '--acl-grant=read:bob', 's3://cmdm/acl.txt');
    expect(await s3cmd('info', 's3://cmdm/acl.txt')).toMatch(/ACL:\s+Bob: READ/);
    await asBob('get', '--force', 's3://cmdm/acl.txt', join(m.work, 'bob.out'));
    expect((await readFile(join(m.work, 'bob.out'))).equals(small.bytes)).toBe(true);
  }, 240_000);

  it('setpolicy: bob may write to inbox/; the Deny stops the owner reading sealed/; delpolicy', async () => {
    requireDebian('s3cmd');
    const small = await m.file('cmd-pol.txt', 500, 'CMD-POL-');
    await expect(asBob('put', small.path, 's3://cmdm/inbox/b.txt')).rejects.toThrow(DENIED);
    await writeFile(join(m.work, 'cmd-policy.json'), matrixPolicy('cmdm'));
    await s3cmd('setpolicy', join(m.work, 'cmd-policy.json'), 's3://cmdm');
    await asBob('put', small.path, 's3://cmdm/inbox/b.txt');
    await s3cmd('put', small.path, 's3://cmdm/sealed/s.txt');
    await expect(s3cmd('get', '--force', 's3://cmdm/sealed/s.txt', join(m.work, 'x.out'))).rejects.toThrow(
      DENIED,
    );
    await s3cmd('delpolicy', 's3://cmdm');
    await s3cmd('get', '--force', 's3://cmdm/sealed/s.txt', join(m.work, 'x.out'));
  }, 240_000);

  it('SSE-S3 and SSE-KMS: put, info, get, cp and a 9 MiB file in parts — sealed at rest', async () => {
    requireDebian('s3cmd');
    const modes = [
      ['s3', ['--server-side-encryption'], 'AES256'],
      ['kms', [`--server-side-encryption-kms-id=${KMS_KEY}`], 'aws:kms'],
    ] as const;
    for (const [name, flags, sse] of modes) {
      const small = await m.file(`cmd-${name}.txt`, 3000, `CMD-${name}-SMALL-`);
      const big = await m.file(`cmd-${name}.bin`, 9 * 1024 * 1024, `CMD-${name}-BIG-`);
      const put = await s3cmd('put', ...flags, small.path, big.path, 's3://cmdm/');
      expect(put).not.toMatch(/MD5 Sums don't match|WARNING/);
      await s3cmd('cp', ...flags, `s3://cmdm/cmd-${name}.txt`, `s3://cmdm/${name}-copy.txt`);
      for (const key of [`cmd-${name}.txt`, `${name}-copy.txt`, `cmd-${name}.bin`]) {
        expect(await s3cmd('info', `s3://cmdm/${key}`), key).toContain(`SSE:       ${sse}`);
      }
      for (const [key, file] of [
        [`${name}-copy.txt`, small],
        [`cmd-${name}.bin`, big],
      ] as const) {
        const got = await s3cmd('get', '--force', `s3://cmdm/${key}`, join(m.work, 'back'));
        expect(got).not.toMatch(/MD5 signatures do not match|WARNING/);
        expect((await readFile(join(m.work, 'back'))).equals(file.bytes), key).toBe(true);
      }
      expect(await m.atRest('cmdm', `CMD-${name}-SMALL-`)).toBe(false);
      expect(await m.atRest('cmdm', `CMD-${name}-BIG-`)).toBe(false);
    }
    expect(m.served(/^PUT \/cmdm\/cmd-s3\.bin\?partNumber=2&uploadId=\w+ 200$/)).toHaveLength(1);
  }, 240_000);
});
