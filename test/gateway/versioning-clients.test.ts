import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../support/debian.js';
import { awsCliEnv, clientFixture, rcloneCli, run, s3cmdCli } from './clients-fixture.js';

/**
 * Versioning through real clients (issue #18): awscli's s3api (versioning, versions, markers, reads and
 * deletes by id), rclone (`backend versioning`, `--s3-versions` listings and reads of old versions) and
 * s3cmd (writes and deletes into a versioned bucket keep every version).
 */
describe('versioning through awscli, rclone and s3cmd', () => {
  const f = clientFixture();

  const aws = async (...args: string[]) => {
    const env = awsCliEnv(f.work);
    const out = (
      await run('/usr/bin/aws', ['--endpoint-url', f.gw.endpoint, ...args], { env, timeout: 60_000 })
    ).stdout;
    return out.trim() ? JSON.parse(out) : {};
  };

  /** An s3api operation on one version of a key: `op --bucket --key --version-id` and `extra`. */
  const byVersion = (op: string, bucket: string, key: string, versionId: string, ...extra: string[]) =>
    aws('s3api', op, '--bucket', bucket, '--key', key, '--version-id', versionId, ...extra);

  it('awscli s3api: put-bucket-versioning, versions, markers, get and delete by version id', async () => {
    requireDebian('awscli');
    await aws('s3api', 'create-bucket', '--bucket', 'cli-versions');
    await aws(
      's3api',
      'put-bucket-versioning',
      '--bucket',
      'cli-versions',
      '--versioning-configuration',
      'Status=Enabled',
    );
    expect(await aws('s3api', 'get-bucket-versioning', '--bucket', 'cli-versions')).toEqual({
      Status: 'Enabled',
    });
    const one = join(f.work, 'v1.txt');
    const two = join(f.work, 'v2.txt');
    await writeFile(one, 'version one');
    await writeFile(two, 'version two');
    const v1 = (await aws('s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'doc', '--body', one))
      .VersionId;
    const v2 = (await aws('s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'doc', '--body', two))
      .VersionId;
    expect(v1).not.toBe(v2);
    const out = join(f.work, 'got.txt');
    const got = await byVersion('get-object', 'cli-versions', 'doc', v1, out);
    expect(got.VersionId).toBe(v1);
    expect(new TextDecoder().decode(await f.bytesOf(out))).toBe('version one');
    const marker = await aws('s3api', 'delete-object', '--bucket', 'cli-versions', '--key', 'doc');
    expect(marker.DeleteMarker).toBe(true);
    const listed = await aws('s3api', 'list-object-versions', '--bucket', 'cli-versions');
    expect(
      listed.Versions.map((v: { VersionId: string; IsLatest: boolean }) => [v.VersionId, v.IsLatest]),
    ).toEqual([
      [v2, false],
      [v1, false],
    ]);
    expect(
      listed.DeleteMarkers.map((m: { VersionId: string; IsLatest: boolean }) => [m.VersionId, m.IsLatest]),
    ).toEqual([[marker.VersionId, true]]);
    await byVersion('delete-object', 'cli-versions', 'doc', marker.VersionId);
    const head = await aws('s3api', 'head-object', '--bucket', 'cli-versions', '--key', 'doc');
    expect([head.VersionId, head.ContentLength]).toEqual([v2, 11]);
  }, 120_000);

  it('awscli s3api: object lock — a locked bucket, retention, a refused delete, the bypass', async () => {
    requireDebian('awscli');
    await aws('s3api', 'create-bucket', '--bucket', 'cli-lock', '--object-lock-enabled-for-bucket');
    const lock = await aws('s3api', 'get-object-lock-configuration', '--bucket', 'cli-lock');
    expect(lock.ObjectLockConfiguration.ObjectLockEnabled).toBe('Enabled');
    const body = join(f.work, 'locked.txt');
    await writeFile(body, 'keep me');
    const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const { VersionId } = await aws(
      's3api',
      'put-object',
      '--bucket',
      'cli-lock',
      '--key',
      'k',
      '--body',
      body,
      '--object-lock-mode',
      'GOVERNANCE',
      '--object-lock-retain-until-date',
      until,
    );
    const retention = await byVersion('get-object-retention', 'cli-lock', 'k', VersionId);
    expect(retention.Retention.Mode).toBe('GOVERNANCE');
    const refused = await byVersion('delete-object', 'cli-lock', 'k', VersionId).then(
      () => 'deleted',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/AccessDenied/);
    await byVersion('delete-object', 'cli-lock', 'k', VersionId, '--bypass-governance-retention');
    expect((await aws('s3api', 'list-object-versions', '--bucket', 'cli-lock')).Versions).toBeUndefined();
  }, 120_000);

  it('rclone: backend versioning, --s3-versions lists and reads old versions', async () => {
    requireDebian('rclone');
    const rclone = await rcloneCli(f, 'rclone-versions.conf');
    await rclone('mkdir', 'gw:rclone-versions');
    await rclone('backend', 'versioning', 'gw:rclone-versions', 'Enabled');
    expect((await rclone('backend', 'versioning', 'gw:rclone-versions')).trim()).toBe('Enabled');
    const local = join(f.work, 'notes.txt');
    await writeFile(local, 'first draft');
    await rclone('copyto', local, 'gw:rclone-versions/notes.txt');
    // rclone names versions by time at second resolution: let the next one be a second later
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeFile(local, 'second draft, longer');
    await rclone('copyto', local, 'gw:rclone-versions/notes.txt');
    const names = (await rclone('lsf', '--s3-versions', 'gw:rclone-versions'))
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(names).toHaveLength(2);
    expect(names).toContain('notes.txt');
    const old = names.find((n) => n !== 'notes.txt')!;
    expect(old).toMatch(/^notes-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3}\.txt$/);
    expect(await rclone('cat', '--s3-versions', `gw:rclone-versions/${old}`)).toBe('first draft');
    expect(await rclone('cat', 'gw:rclone-versions/notes.txt')).toBe('second draft, longer');
    // deleting through rclone leaves a marker; the old versions stay listed
    await rclone('deletefile', 'gw:rclone-versions/notes.txt');
    expect((await rclone('lsf', 'gw:rclone-versions')).trim()).toBe('');
    expect(
      (await rclone('lsf', '--s3-versions', 'gw:rclone-versions')).split('\n').filter(Boolean),
    ).toHaveLength(2);
  }, 120_000);

  it('s3cmd: put and del into a versioned bucket keep every version', async () => {
    requireDebian('s3cmd');
    requireDebian('awscli');
    const s3cmd = await s3cmdCli(f, 's3cfg-versions');
    await s3cmd('mb', 's3://s3cmd-versions');
    await aws(
      's3api',
      'put-bucket-versioning',
      '--bucket',
      's3cmd-versions',
      '--versioning-configuration',
      'Status=Enabled',
    );
    await s3cmd('put', f.files.small, 's3://s3cmd-versions/a.txt');
    await s3cmd('put', f.files.small, 's3://s3cmd-versions/a.txt');
    await s3cmd('del', 's3://s3cmd-versions/a.txt');
    expect((await s3cmd('ls', 's3://s3cmd-versions/')).trim()).toBe('');
    const listed = await aws('s3api', 'list-object-versions', '--bucket', 's3cmd-versions');
    expect(listed.Versions).toHaveLength(2);
    expect(listed.DeleteMarkers).toHaveLength(1);
  }, 120_000);
});
