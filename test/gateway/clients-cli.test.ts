import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5Hex } from '../../src/testing/index.js';
import { requireDebian } from '../support/debian.js';
import { clientFixture, rcloneCli, s3cmdCli } from './clients-fixture.js';

/**
 * s3cmd and rclone against a gateway over folders: make a bucket, upload a small file and a 20 MiB one
 * (multipart, thresholds lowered to 5-8 MiB), list, download byte-exact, sync a folder, presign a GET
 * that plain fetch follows, remove everything.
 */
describe('s3cmd and rclone against the gateway', () => {
  const f = clientFixture();

  it('s3cmd: mb, put (small and multipart), ls, get, sync, signurl, del, rb', async () => {
    requireDebian('s3cmd');
    const s3cmd = await s3cmdCli(f, 's3cfg', ['multipart_chunk_size_mb = 5']);
    await s3cmd('mb', 's3://s3cmd');
    await s3cmd('put', f.files.small, 's3://s3cmd/small.txt');
    await s3cmd('put', f.files.big, 's3://s3cmd/big.bin');
    expect(f.completed('s3cmd', 'big.bin')).toBe(true);
    expect(await s3cmd('ls', 's3://s3cmd/')).toMatch(/20971520\s+s3:\/\/s3cmd\/big\.bin/);
    await s3cmd('get', 's3://s3cmd/big.bin', join(f.work, 's3cmd-big.out'));
    expect(md5Hex(await f.bytesOf(join(f.work, 's3cmd-big.out')))).toBe(md5Hex(f.big));
    await s3cmd('sync', `${f.files.dir}/`, 's3://s3cmd/synced/');
    const listing = await s3cmd('ls', '--recursive', 's3://s3cmd/synced/');
    expect(listing).toMatch(/synced\/one\.txt/);
    expect(listing).toMatch(/synced\/sub\/three words\.txt/);
    // s3cmd signs URLs with Signature Version 2 (query string), which the gateway accepts for GET/HEAD
    const url = (await s3cmd('signurl', 's3://s3cmd/small.txt', '+600')).trim();
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(Buffer.from(await f.bytesOf(f.files.small)))).toBe(
      true,
    );
    const tampered = await fetch(url.replace('small.txt', 'big.bin'));
    expect(tampered.status).toBe(403);
    await s3cmd('del', '--recursive', '--force', 's3://s3cmd/');
    await s3cmd('rb', 's3://s3cmd');
    expect(await f.bucketFolder('s3cmd')).toBe('missing');
  }, 120_000);

  it('rclone: mkdir, copyto (small and multipart), lsf, copy down, sync, link (presign), purge', async () => {
    requireDebian('rclone');
    const rclone = await rcloneCli(f, 'rclone.conf', ['--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M']);
    await rclone('mkdir', 'gw:rclone');
    await rclone('copyto', f.files.small, 'gw:rclone/small.txt');
    await rclone('copyto', f.files.big, 'gw:rclone/big.bin');
    expect(f.completed('rclone', 'big.bin')).toBe(true);
    expect((await rclone('lsf', 'gw:rclone')).split('\n').filter(Boolean).sort()).toEqual([
      'big.bin',
      'small.txt',
    ]);
    await rclone('copyto', 'gw:rclone/big.bin', join(f.work, 'rclone-big.out'));
    expect(md5Hex(await f.bytesOf(join(f.work, 'rclone-big.out')))).toBe(md5Hex(f.big));
    await rclone('sync', f.files.dir, 'gw:rclone/synced');
    expect(
      (await rclone('lsf', '-R', '--files-only', 'gw:rclone/synced')).split('\n').filter(Boolean).sort(),
    ).toEqual(['one.txt', 'sub/three words.txt', 'sub/two.txt']);
    await rclone('check', f.files.dir, 'gw:rclone/synced');
    const url = (await rclone('link', '--expire', '1h', 'gw:rclone/small.txt')).trim();
    expect(await (await fetch(url)).text()).toBe('small file from a client\n');
    await rclone('purge', 'gw:rclone');
    expect(await f.bucketFolder('rclone')).toBe('missing');
  }, 120_000);
});
