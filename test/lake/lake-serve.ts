/**
 * `bucketkit lake serve` as a user starts it: a child process on a free port, found through the endpoint line
 * it prints on stderr. Tests stop it with `kill` and await `exited`.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');

export interface ServedLake {
  /** The server's base URL (`http://127.0.0.1:PORT`); events are taken at `${base}/events`. */
  base: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** The exit code, once the process exits. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** Starts `bucketkit lake serve <url> --port 0 ...args` and resolves once it listens. */
export async function serveLake(url: string, args: string[] = []): Promise<ServedLake> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'lake', 'serve', url, '--port', '0', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const found = /lake event endpoint: (\S+)\/events/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  return { base, child, exited, stdout: () => stdout, stderr: () => stderr };
}
