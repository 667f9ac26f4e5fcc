import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingPackages, requireDebian } from './support/debian.js';
import provision from './support/provision.js';

const run = promisify(execFile);
const advice = (packages: string) =>
  `apt-get install -y --no-install-recommends ${packages} (as root, npm test installs them)`;
/** What `npm test` prints where it cannot install: a line per missing tool (all but Debian's /usr/bin/aws). */
const PER_TOOL_LINES = [
  `bucketkit tests: ceph not installed: ${advice('ceph-mon ceph-osd radosgw ceph-common python3-rados uuid-runtime curl')}`,
  `bucketkit tests: xdelta3 not installed: ${advice('xdelta3')}`,
  `bucketkit tests: gzip not installed: ${advice('gzip')}`,
  `bucketkit tests: s3cmd not installed: ${advice('s3cmd')}`,
  `bucketkit tests: rclone not installed: ${advice('rclone')}`,
  `bucketkit tests: openssl not installed: ${advice('openssl')}`,
  `bucketkit tests: chromium not installed: ${advice('chromium')}`,
];

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

  it('without installing, npm test prints one line per missing tool naming its packages', () => {
    process.env.PATH = '/nonexistent';
    process.env.BUCKETKIT_TEST_APT = '0';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    provision();
    // the awscli is looked for at /usr/bin/aws (Debian's, not whichever is on PATH), so it is still found
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual(PER_TOOL_LINES);
  });

  it('a non-root user without the tools gets the same lines and no apt run', async () => {
    // as root, the check runs as nobody; as another user, as that user
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const code = "const { default: provision } = await import('./test/support/provision.ts'); provision();";
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type', 'module', '-e', code],
      { cwd: join(__dirname, '..'), env: { PATH: '/nonexistent', TMPDIR: tmpdir() }, ...asUser },
    );
    expect(stdout).toBe('');
    expect(stderr).toBe(`${PER_TOOL_LINES.join('\n')}\n`);
  }, 60_000);

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
