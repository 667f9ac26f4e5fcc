/** Runs `bucketkit serve` as a child process, the way test/cli.test.ts runs the CLI, and reads what it prints. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');

export interface Served {
  child: ChildProcess;
  fields: Record<string, string>;
  exited: Promise<number | null>;
  /** What it wrote on stderr so far. */
  stderr(): string;
}

/** Starts `bucketkit serve` the way test/cli.test.ts runs the CLI, and reads what it prints. */
export async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const fields = await new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (/secret key\s+\S+\n/.test(stdout)) {
        resolve(
          Object.fromEntries(
            [...stdout.matchAll(/^(endpoint|region|access key|secret key)\s+(\S+)$/gm)].map((m) => [
              m[1]!,
              m[2]!,
            ]),
          ),
        );
      }
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { child, fields, exited, stderr: () => stderr };
}
