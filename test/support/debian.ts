/**
 * The Debian tools the tests use, which package brings each, and a check that names the package when
 * one is missing. `npm test` installs the missing ones once, before any test starts (provision.ts);
 * a test that needs a tool calls `requireDebian` first, so without it the test fails with one line
 * saying what to install instead of `spawn s3cmd ENOENT` or an empty result.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What a test can ask for; each is one or more Debian packages. */
export type DebianNeed =
  | 'ceph'
  | 'xdelta3'
  | 'gzip'
  | 'awscli'
  | 'boto3'
  | 's3cmd'
  | 'rclone'
  | 'openssl'
  | 'chromium'
  | 'prometheus'
  | 'postgresql';

interface Need {
  packages: string[];
  /** Commands looked up on PATH, or absolute paths. */
  commands: string[];
  /** A Python module that must be importable by /usr/bin/python3 (a file in its dist-packages). */
  pythonModule?: string;
}

const NEEDS: Record<DebianNeed, Need> = {
  // Ceph RGW, the production S3 server test/support/ceph-rgw.sh starts; curl for its health checks
  ceph: {
    packages: ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common', 'python3-rados', 'uuid-runtime', 'curl'],
    commands: ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'uuidgen', 'curl'],
    pythonModule: 'rados',
  },
  xdelta3: { packages: ['xdelta3'], commands: ['xdelta3'] }, // the VCDIFF codec's interop tests
  gzip: { packages: ['gzip'], commands: ['gzip'] }, // GNU gzip: .tar.gz deltas rebuilt as xdelta3 does
  awscli: { packages: ['awscli'], commands: ['/usr/bin/aws'] }, // Debian's awscli v2, not another on PATH
  // boto3 as Debian ships it, for the gateway's client matrix (run by /usr/bin/python3)
  boto3: { packages: ['python3-boto3'], commands: ['/usr/bin/python3'], pythonModule: 'boto3' },
  s3cmd: { packages: ['s3cmd'], commands: ['s3cmd'] },
  rclone: { packages: ['rclone'], commands: ['rclone'] },
  openssl: { packages: ['openssl'], commands: ['openssl'] }, // a TLS certificate for the gateway
  chromium: { packages: ['chromium'], commands: ['chromium'] }, // the browser entries' tests
  // the lake's PromQL is judged against the real Prometheus; promtool backfills it and queries our API
  prometheus: { packages: ['prometheus'], commands: ['/usr/bin/prometheus', '/usr/bin/promtool'] },
  // PostgreSQL 15 (Debian 12), the db replicator's target; test/support/postgres.ts starts a cluster
  postgresql: {
    packages: ['postgresql'],
    commands: ['initdb', 'postgres', 'pg_isready'].map((c) => `/usr/lib/postgresql/15/bin/${c}`),
  },
};

/** Every package the test suite uses, in one list (what `npm test` installs as root). */
export const DEBIAN_PACKAGES: readonly string[] = [
  ...new Set(Object.values(NEEDS).flatMap((n) => n.packages)),
];

function onPath(command: string): boolean {
  const candidates = command.startsWith('/')
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function pythonHas(module: string): boolean {
  try {
    return readdirSync('/usr/lib/python3/dist-packages').some(
      (name) => name === module || (name.startsWith(`${module}.`) && name.endsWith('.so')),
    );
  } catch {
    return false;
  }
}

function present(need: Need): boolean {
  return need.commands.every(onPath) && (need.pythonModule === undefined || pythonHas(need.pythonModule));
}

/** The needs of `needs` (default: all) whose tools are not there, each with its packages. */
export function missingNeeds(
  needs: readonly DebianNeed[] = Object.keys(NEEDS) as DebianNeed[],
): { need: DebianNeed; packages: string[] }[] {
  return needs.filter((n) => !present(NEEDS[n])).map((need) => ({ need, packages: NEEDS[need].packages }));
}

/** The packages of `needs` (default: all) whose tools are not there. */
export function missingPackages(needs: readonly DebianNeed[] = Object.keys(NEEDS) as DebianNeed[]): string[] {
  return [...new Set(missingNeeds(needs).flatMap((n) => n.packages))];
}

/** The one-line advice for installing `packages`. */
export function installAdvice(packages: readonly string[]): string {
  return `apt-get install -y --no-install-recommends ${packages.join(' ')} (as root, npm test installs them)`;
}

/** Throws one line naming the Debian packages to install when a tool of `needs` is missing. */
export function requireDebian(...needs: DebianNeed[]): void {
  const missing = missingPackages(needs);
  if (missing.length > 0) throw new Error(`${needs.join(', ')} not installed: ${installAdvice(missing)}`);
}
