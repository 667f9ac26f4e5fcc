/**
 * Self-describing object versions for crash tests: every body starts with a JSON line naming its key,
 * its generation, its payload size and the payload's SHA-256, so a reader can tell a whole version
 * from a torn, mixed or misplaced one without knowing what was written.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../../src/testing/random-bytes.js';

/** Objects up to this size live inside their record on the file port; larger ones get a data file. */
export const INLINE_LIMIT = 16 * 1024;

/** The body of version `gen` of `key`, with `size` payload bytes. */
export function versionBody(key: string, gen: number, size: number): Uint8Array {
  const payload = pseudoRandomBytes(size, (gen * 2654435761) >>> 0 || 1);
  const head = new TextEncoder().encode(`${JSON.stringify({ key, gen, size, sha256: sha256(payload) })}\n`);
  const bytes = new Uint8Array(head.length + size);
  bytes.set(head);
  bytes.set(payload, head.length);
  return bytes;
}

/** A payload size: small (inside the record) or large (a data file), at random. */
export function randomSize(): number {
  return Math.random() < 0.5
    ? Math.floor(Math.random() * (INLINE_LIMIT - 200))
    : INLINE_LIMIT + Math.floor(Math.random() * 400_000);
}

/** What a read body is: a whole version of `key`, or why not. */
export function identify(key: string, bytes: Uint8Array): { gen: number } | { wrong: string } {
  const newline = bytes.indexOf(10);
  if (newline < 0) return { wrong: `no header line in ${bytes.length} bytes` };
  let head: { key?: unknown; gen?: unknown; size?: unknown; sha256?: unknown };
  try {
    head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline)));
  } catch {
    return { wrong: 'header is not JSON' };
  }
  if (head.key !== key) return { wrong: `holds key ${String(head.key)}` };
  const payload = bytes.subarray(newline + 1);
  if (payload.length !== head.size) return { wrong: `payload ${payload.length} bytes, not ${head.size}` };
  if (sha256(payload) !== head.sha256) return { wrong: 'payload checksum differs' };
  return { gen: head.gen as number };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Lock files (`NAME~l`) under `root`, as a writer killed while holding one leaves them. The crash
 * tests age them past the file port's stale limit (30 s) instead of waiting that long: a lock whose
 * holder we killed and saw exit is provably stale, and breaking it is what the port must then do.
 */
export function lockFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('~l')) found.push(path);
    }
  };
  walk(root);
  return found;
}

/** Sets a file's times `ageMs` into the past. */
export function age(path: string, ageMs = 60_000): void {
  const then = new Date(Date.now() - ageMs);
  try {
    utimesSync(path, then, then);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Plants an aged lock at `path` as a crashed holder leaves it, if no lock is there (created
 * exclusively, so a live holder's lock is never touched). Returns whether it planted one.
 */
export function plantStaleLock(path: string, ageMs = 60_000): boolean {
  try {
    closeSync(openSync(path, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  age(path, ageMs);
  return true;
}

/** Files under `root` whose name says they are a data file (`~d`) or temp file (`~t`). */
export function dataAndTempFiles(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/~[dt]/.test(entry.name)) {
        files++;
        bytes += statSync(path).size;
      }
    }
  };
  walk(root);
  return { files, bytes };
}
