/**
 * The bucket-level row of `bench/delta.ts`: a mixed set of versioned artifacts stored by bucketkit with
 * defaults (`DeltaSpace`, one folder per kind) against what DeltaGlider's layout holds for the same files.
 * DeltaGlider's bytes are computed from its algorithm with the real xdelta3 3.0.11: per folder the first
 * archive as `reference.bin` plus its zero-diff delta, every later archive as `xdelta3 -e -9 -s reference.bin`
 * (defaults: LZMA secondary, and gzip inputs diffed decompressed since it passes no `-D`), deltas kept
 * whatever their ratio (its `max_ratio` 0.5 only warns), other files stored whole.
 *
 * Kinds, from the releases `bench/delta.ts` generates: `.tar`, `.tar.gz` (GNU `gzip -n -6`, as `tar czf`),
 * `.tgz` (zlib -9, as npm pack), `.zip`, `.jar` (the zip bytes with a manifest in front), and a text
 * changelog (not an archive: stored whole by both).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeltaSpace, deltaTreeStats, isDeltaCandidate } from '../src/delta/index.js';
import { memoryStorage } from '../src/storage/index.js';

export interface BucketRow {
  kind: string;
  files: number;
  originalBytes: number;
  bucketkitBytes: number;
  deltagliderBytes: number;
}

function gnuGzip(bytes: Uint8Array): Uint8Array {
  const run = spawnSync('gzip', ['-n', '-c', '-6'], { input: bytes, maxBuffer: 2 * bytes.length + 2 ** 20 });
  if (run.status !== 0) throw new Error('gzip is needed for the bucket row (apt install gzip)');
  return new Uint8Array(run.stdout);
}

/** The bytes DeltaGlider stores for `files` (name → bytes, in upload order) in one folder. */
function deltagliderBytes(files: Array<[string, Uint8Array]>, dir: string): number {
  let total = 0;
  let reference: Uint8Array | undefined;
  for (const [name, bytes] of files) {
    if (!isDeltaCandidate(name)) {
      total += bytes.length;
      continue;
    }
    if (!reference) {
      reference = bytes;
      total += bytes.length;
    }
    writeFileSync(join(dir, 'reference.bin'), reference);
    writeFileSync(join(dir, name), bytes);
    const run = spawnSync('xdelta3', ['-e', '-f', '-9', '-s', 'reference.bin', name, `${name}.delta`], {
      cwd: dir,
    });
    if (run.status !== 0) throw new Error(`xdelta3 failed on ${name}: ${run.stderr}`);
    total += readFileSync(join(dir, `${name}.delta`)).length;
  }
  return total;
}

function changelogs(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let text = '';
  for (let r = 0; r < count; r++) {
    text = `## ${r}.0.0\n\n${Array.from({ length: 40 }, (_, i) => `- change ${r}.${i}: fixed item ${(r * 7919 + i * 104729) % 100000}\n`).join('')}\n${text}`;
    out.push(new TextEncoder().encode(text));
  }
  return out;
}

/**
 * Stores every kind of artifact both ways and returns one row per kind plus a total.
 *
 * @example
 * ```ts
 * const rows = await bucketRows(tars, zips);
 * ```
 */
export async function bucketRows(tars: Uint8Array[], zips: Uint8Array[]): Promise<BucketRow[]> {
  const manifest = new TextEncoder().encode('Manifest-Version: 1.0\n');
  const kinds: Array<[string, string, Uint8Array[]]> = [
    ['tar', 'app-%.tar', tars],
    ['tar.gz (gzip -6)', 'app-%.tar.gz', tars.map(gnuGzip)],
    ['tgz (zlib -9)', 'pkg-%.tgz', tars.map((t) => new Uint8Array(gzipSync(t, { level: 9 })))],
    ['zip', 'app-%.zip', zips],
    ['jar', 'app-%.jar', zips.map((z) => new Uint8Array([...manifest, ...z]))],
    ['text', 'CHANGELOG-%.md', changelogs(tars.length)],
  ];
  const rows: BucketRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bucketkit-bench-bucket-'));
  try {
    for (const [kind, pattern, versions] of kinds) {
      const port = memoryStorage();
      const space = new DeltaSpace(port, { prefix: 'artifacts' });
      const files = versions.map((bytes, r): [string, Uint8Array] => [
        pattern.replace('%', `1.${r}.0`),
        bytes,
      ]);
      for (const [name, bytes] of files) await space.put(name, bytes);
      const stats = await deltaTreeStats(port);
      rows.push({
        kind,
        files: files.length,
        originalBytes: stats.originalBytes,
        bucketkitBytes: stats.storedBytes,
        deltagliderBytes: deltagliderBytes(files, dir),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sum = (f: (r: BucketRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  rows.push({
    kind: '**bucket (all kinds)**',
    files: sum((r) => r.files),
    originalBytes: sum((r) => r.originalBytes),
    bucketkitBytes: sum((r) => r.bucketkitBytes),
    deltagliderBytes: sum((r) => r.deltagliderBytes),
  });
  return rows;
}

/** The rows as a markdown table. */
export function bucketTable(rows: BucketRow[]): string {
  const mb = (n: number) => (n / 1e6).toFixed(2);
  const lines = [
    '| artifacts | files | original MB | bucketkit MB | DeltaGlider MB | bucketkit / DeltaGlider (goal ≤ 1.0) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const ratio = r.bucketkitBytes / r.deltagliderBytes;
    const shown = ratio <= 1 ? ratio.toFixed(2) : `**${ratio.toFixed(2)}**`;
    lines.push(
      `| ${r.kind} | ${r.files} | ${mb(r.originalBytes)} | ${mb(r.bucketkitBytes)} | ${mb(r.deltagliderBytes)} | ${shown} |`,
    );
  }
  return lines.join('\n');
}
