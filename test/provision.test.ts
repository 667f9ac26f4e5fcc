import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEBIAN_PACKAGES, missingPackages, requireDebian } from './support/debian.js';
import provision from './support/provision.js';

const run = promisify(execFile);

/**
 * What a user without the Debian tools meets: `npm test` names the packages once, and each test that
 * needs one fails with a line saying what to install (not `spawn s3cmd ENOENT`).
 */
describe('the Debian tools the tests use', () => {
  const saved = { PATH: process.env.PATH, APT: process.env.BUCKETKIT_TEST_APT };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.APT === undefined) delete process.env.BUCKETKIT_TEST_APT;
    else process.env.BUCKETKIT_TEST_APT = saved.APT;
    vi.restoreAllMocks();
  });

  it('are all installed here (npm test installs them as root)', () => {
    expect(missingPackages()).toEqual([]);
  });

  it('a missing tool fails its test with one line naming the package', () => {
    process.env.PATH = '/nonexistent';
    expect(() => requireDebian('s3cmd')).toThrow(
      /^s3cmd not installed: apt-get install -y --no-install-recommends s3cmd \(as root, npm test installs them\)$/,
    );
    expect(() => requireDebian('ceph', 'rclone')).toThrow(
      /^ceph, rclone not installed: apt-get install -y --no-install-recommends ceph-mon .* curl rclone \(/,
    );
  });

  it('without installing, npm test prints one line naming every missing package and how to install it', () => {
    process.env.PATH = '/nonexistent';
    process.env.BUCKETKIT_TEST_APT = '0';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    provision();
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).not.toContain('\n');
    // the awscli is looked for at /usr/bin/aws (Debian's, not whichever is on PATH), so it is still found
    const expected = DEBIAN_PACKAGES.filter((p) => p !== 'awscli');
    expect(line).toBe(
      `bucketkit tests: missing Debian packages ${expected.join(' ')}; ` +
        `apt-get install -y --no-install-recommends ${expected.join(' ')} (as root, npm test installs them)`,
    );
  });

  it('with everything installed, provisioning says nothing and runs no apt', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    provision();
    expect(warn).not.toHaveBeenCalled();
  });

  it('ceph-rgw.sh names the packages instead of installing them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-rgw-missing-'));
    try {
      const failed = await run('/bin/bash', [join(__dirname, 'support', 'ceph-rgw.sh'), 'start', dir], {
        env: { PATH: '/nonexistent' },
      }).catch((err: { code: number; stderr: string }) => err);
      expect('code' in failed && failed.code).toBe(1);
      expect((failed as { stderr: string }).stderr).toBe(
        'rgw.sh: ERROR: Ceph is not installed: apt-get install -y --no-install-recommends ' +
          'ceph-mon ceph-osd radosgw ceph-common python3-rados uuid-runtime curl\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
