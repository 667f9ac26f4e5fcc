/**
 * Encoder speed on real release artifacts: consecutive versions of npm packages, fetched with `npm pack`
 * (cached under `.tmp/bench-npm/`), each pair as the `.tgz` npm publishes (incompressible to a delta
 * encoder: the bytes change all through) and as the `.tar` inside it (barely changed). Our encoder
 * (`encodeDelta`, level 9, no secondary compression) against `xdelta3 -e -9 -S none` on the same pair.
 *
 *   npm run bench:delta-npm                  # report on stdout, progress on stderr
 *   BENCH_RUNS=5 npm run bench:delta-npm     # median of 5 rounds per side instead of 3
 *
 * Both are timed in CPU time, since the machine is shared: ours in-process on buffers in memory (after
 * one warm-up), xdelta3 as its process's user + system time on files in the page cache, with the same
 * for a 1-byte file to show what its start costs. Every delta of ours is decoded and compared. xdelta3
 * gets `-D` on the .tgz pairs: without it, it gunzips gzip inputs and diffs their content.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeDelta, encodeDelta } from '../src/delta/index.js';

/** Packages and consecutive published versions: small to large, libraries and compilers. */
const PACKAGES: Array<[string, string[]]> = [
  ['semver', ['7.6.0', '7.6.1', '7.6.2']],
  ['express', ['4.18.2', '4.18.3', '4.19.0']],
  ['lodash', ['4.17.19', '4.17.20', '4.17.21']],
  ['react-dom', ['18.2.0', '18.3.0', '18.3.1']],
  ['webpack', ['5.90.0', '5.90.1']],
  ['rxjs', ['7.8.0', '7.8.1']],
  ['typescript', ['5.4.4', '5.4.5']],
];

const CACHE = join(process.cwd(), '.tmp', 'bench-npm');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The package's tarball, from the cache or `npm pack` (the npm registry). */
function tarball(name: string, version: string): Uint8Array {
  const file = join(CACHE, `${name}-${version}.tgz`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    log(`npm pack ${name}@${version}`);
    const run = spawnSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', CACHE]);
    if (run.status !== 0 || !existsSync(file))
      throw new Error(`npm pack ${name}@${version} failed: ${run.stderr}`);
  }
  return new Uint8Array(readFileSync(file));
}

interface Pair {
  label: string;
  kind: 'tar' | 'tgz';
  source: Uint8Array;
  target: Uint8Array;
}

function pairs(): Pair[] {
  const out: Pair[] = [];
  for (const [name, versions] of PACKAGES) {
    const tgz = versions.map((v) => tarball(name, v));
    for (let i = 1; i < versions.length; i++) {
      const label = `${name} ${versions[i - 1]} → ${versions[i]}`;
      const [source, target] = [tgz[i - 1] as Uint8Array, tgz[i] as Uint8Array];
      out.push({ label, kind: 'tar', source: gunzipSync(source), target: gunzipSync(target) });
      out.push({ label, kind: 'tgz', source, target });
    }
  }
  return out;
}

/** CPU milliseconds of this process so far (all its threads: GC included). */
function ownCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU milliseconds of this process's finished children so far (Linux: `cutime + cstime`, 10 ms ticks). */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/**
 * CPU milliseconds per run of `work`, on `clock`: the machine is shared, so wall time would measure the
 * load. `RUNS` rounds (at least 3), each running `work` until 200 ms of CPU have been counted (xdelta3's
 * clock ticks are 10 ms); returns the median of the rounds' means.
 */
function cpuPerRun(work: () => void, clock: () => number): number {
  const rounds: number[] = [];
  for (let round = 0; round < Math.max(3, RUNS); round++) {
    const start = clock();
    let runs = 0;
    while (runs < 1 || (clock() - start < 200 && runs < 100)) {
      work();
      runs++;
    }
    rounds.push((clock() - start) / runs);
  }
  rounds.sort((a, b) => a - b);
  return rounds[rounds.length >> 1] as number;
}

function xdelta3(args: string[]): void {
  const run = spawnSync('xdelta3', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) throw new Error(`xdelta3 ${args.join(' ')}: ${run.stderr}`);
}

interface Row extends Pair {
  ours: { size: number; ms: number };
  theirs: { size: number; ms: number };
}

function measure(pair: Pair, dir: string): Row {
  const { source, target } = pair;
  let delta = encodeDelta(source, target); // warm-up
  const ms = cpuPerRun(() => {
    delta = encodeDelta(source, target);
  }, ownCpu);
  if (!Buffer.from(decodeDelta(source, delta)).equals(target))
    throw new Error(`${pair.label}: decode differs`);
  writeFileSync(join(dir, 'ref'), source);
  writeFileSync(join(dir, 'target'), target);
  // -D: a .tgz is diffed as the bytes it is (without it, xdelta3 gunzips gzip inputs and diffs the content)
  const args = [
    '-e',
    '-f',
    '-9',
    '-S',
    'none',
    ...(pair.kind === 'tgz' ? ['-D'] : []),
    '-s',
    join(dir, 'ref'),
    join(dir, 'target'),
    join(dir, 'out'),
  ];
  const theirs = cpuPerRun(() => xdelta3(args), childCpu);
  return {
    ...pair,
    ours: { size: delta.length, ms },
    theirs: { size: statSync(join(dir, 'out')).size, ms: theirs },
  };
}

const geomean = (values: number[]) => Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
const kb = (n: number) => (n / 1024).toFixed(1);

function summary(label: string, rows: Row[]): string {
  const speed = geomean(rows.map((r) => r.theirs.ms / r.ours.ms));
  const size = geomean(rows.map((r) => r.ours.size / r.theirs.size));
  const slower = rows.filter((r) => r.ours.ms > r.theirs.ms).length;
  const larger = rows.filter((r) => r.ours.size > r.theirs.size).length;
  return `| **${label}** (${rows.length} pairs) | speed ratio ${speed.toFixed(2)} (slower on ${slower}) | size ratio ${size.toFixed(3)} (larger on ${larger}) |`;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'bucketkit-bench-npm-'));
  try {
    const all = pairs();
    writeFileSync(join(dir, 'one'), 'x');
    const startMs = cpuPerRun(
      () =>
        xdelta3(['-e', '-f', '-9', '-S', 'none', '-s', join(dir, 'one'), join(dir, 'one'), join(dir, 'out')]),
      childCpu,
    );
    const rows = all.map((pair) => {
      log(`${pair.kind} ${pair.label}`);
      return measure(pair, dir);
    });
    const out = [
      `- date: ${new Date().toISOString()}; node ${process.version}; CPU ms per encode (median of ${Math.max(3, RUNS)} rounds, each the mean over ≥ 200 ms); load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; xdelta3 on a 1-byte file ${startMs.toFixed(1)} ms`,
      '',
      '| pair | kind | target KiB | delta ours KiB | delta xdelta3 KiB | size ratio (≤ 1) | encode ours ms | encode xdelta3 ms | speed ratio (≥ 1) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const r of rows) {
      const size = r.ours.size / r.theirs.size;
      const speed = r.theirs.ms / r.ours.ms;
      const mark = (v: string, ok: boolean) => (ok ? v : `**${v}**`);
      out.push(
        `| ${r.label} | ${r.kind} | ${kb(r.target.length)} | ${kb(r.ours.size)} | ${kb(r.theirs.size)} | ${mark(size.toFixed(3), size <= 1)} | ${r.ours.ms.toFixed(1)} | ${r.theirs.ms.toFixed(1)} | ${mark(speed.toFixed(2), speed >= 1)} |`,
      );
    }
    out.push('', '| geometric means | encode | size |', '| --- | --- | --- |');
    out.push(
      summary(
        'tar',
        rows.filter((r) => r.kind === 'tar'),
      ),
    );
    out.push(
      summary(
        'tgz',
        rows.filter((r) => r.kind === 'tgz'),
      ),
    );
    out.push(summary('all', rows));
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
