/** Running `bucketkit datasets ...` as a user would, and GNU-tar-made archives to feed it. */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

export const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');

/** The CLI in a child process; rejects (with `code`, `stderr`) on a non-zero exit. */
export const bucketkit = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', cli, ...args], { maxBuffer: 64 * 1024 * 1024 });

export const pointName = (n: number, ext: string) => `${String(n).padStart(20, '0')}.${ext}`;

/** `a.tar` (1..5, .txt) and `b.tar` (6..8, .txt.gz) made by GNU tar in `dir`. */
export async function gnuArchives(dir: string): Promise<void> {
  for (const [sub, first, last, ext] of [
    ['a', 1, 5, 'txt'],
    ['b', 6, 8, 'txt.gz'],
  ] as const) {
    await mkdir(join(dir, sub));
    const names: string[] = [];
    for (let n = first; n <= last; n++) {
      const text = `datapoint ${n}\n`;
      await writeFile(join(dir, sub, pointName(n, ext)), ext.endsWith('.gz') ? gzipSync(text) : text);
      names.push(pointName(n, ext));
    }
    await run('tar', ['-cf', join(dir, `${sub}.tar`), '-C', join(dir, sub), ...names]);
  }
}
