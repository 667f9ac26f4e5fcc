/** Runs the real xdelta3 binary in a temporary directory, for the interop tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDebian } from '../support/debian.js';

/**
 * Throws one line naming the package when xdelta3 is not installed: the interop tests must fail, not
 * skip. Every helper below calls it, so each interop test fails on its own with this message.
 */
export function requireXdelta3(): void {
  requireDebian('xdelta3');
}

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bucketkit-xdelta3-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `xdelta3 -e [flags] -s ref target delta`, returning the delta. */
export function xdelta3Encode(source: Uint8Array, target: Uint8Array, flags: string[]): Uint8Array {
  requireXdelta3();
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'ref'), source);
    writeFileSync(join(dir, 'target'), target);
    execFileSync('xdelta3', [
      '-e',
      '-f',
      ...flags,
      '-s',
      join(dir, 'ref'),
      join(dir, 'target'),
      join(dir, 'delta'),
    ]);
    return new Uint8Array(readFileSync(join(dir, 'delta')));
  });
}

/** `xdelta3 -d -s ref delta out`, returning the output. */
export function xdelta3Decode(source: Uint8Array, delta: Uint8Array): Uint8Array {
  requireXdelta3();
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'ref'), source);
    writeFileSync(join(dir, 'delta'), delta);
    execFileSync('xdelta3', ['-d', '-f', '-s', join(dir, 'ref'), join(dir, 'delta'), join(dir, 'out')]);
    return new Uint8Array(readFileSync(join(dir, 'out')));
  });
}
