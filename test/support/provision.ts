/**
 * vitest globalSetup: before any test starts, installs the Debian packages the tests use that are
 * missing, in one apt run (as root, on Debian). Otherwise, or with BUCKETKIT_TEST_APT=0, it prints one
 * line per missing tool naming its Debian packages and how to install them; the tests that need a
 * missing tool then fail saying which package.
 * Concurrent test runs on one machine take turns through a lock file, so apt never runs twice at once.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installAdvice, missingNeeds, missingPackages } from './debian.js';

// Installs the packages given as arguments that dpkg does not list as installed (another run may
// have installed them while this one waited for the lock).
const INSTALL = `
missing=""
for p in "$@"; do dpkg-query -W -f='\${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >/dev/null
`;

function canInstall(): boolean {
  if (process.env.BUCKETKIT_TEST_APT === '0') return false;
  if (process.getuid?.() !== 0) return false;
  return ['apt-get', 'dpkg-query', 'flock'].every(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0,
  );
}

export default function provision(): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (!canInstall()) {
    for (const { need, packages } of missingNeeds()) {
      console.warn(`bucketkit tests: ${need} not installed: ${installAdvice(packages)}`);
    }
    return;
  }
  console.warn(`bucketkit tests: installing Debian packages ${missing.join(' ')} (once; a few minutes)`);
  const lock = join(tmpdir(), 'bucketkit-test-apt.lock');
  const result = spawnSync('flock', [lock, 'sh', '-c', INSTALL, 'install', ...missing], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const still = missingPackages();
  if (result.status !== 0 || still.length > 0) {
    console.warn(
      `bucketkit tests: apt-get could not install ${(still.length > 0 ? still : missing).join(' ')} ` +
        `(exit ${result.status}); the tests that need them will fail`,
    );
  }
}
