/**
 * Child processes for the torture tests of the file port, db and datasets (file-*, cas-*, datasets-*):
 * a child script is bundled once with esbuild (starting `node --import tsx` costs ~2.5 s here, a
 * bundle ~0.2 s, which is what lets a short run make 50 kills), spawned with a JSON argument, and
 * reports over stdout one JSON object per line. Writes to a pipe are synchronous on Linux, so a line
 * the child wrote before its SIGKILL is a line the parent gets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** `long` when `BUCKETKIT_TORTURE=long`, else `short` (what `npm test` runs). */
export const MODE: 'short' | 'long' = process.env.BUCKETKIT_TORTURE === 'long' ? 'long' : 'short';

/** `short` in short mode, `long` in long mode. */
export function byMode<T>(short: T, long: T): T {
  return MODE === 'long' ? long : short;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const bundles = new Map<string, Promise<string>>();
const bundleDir = join(repo, '.tmp', 'torture', String(process.pid));
process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));

/** The bundled form of a script in this folder (built once per test process). */
export function bundled(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    // inside the repository, so the bundle's bare imports resolve to node_modules
    mkdirSync(bundleDir, { recursive: true });
    const outfile = join(bundleDir, script.replace(/\.ts$/, '.mjs'));
    out = build({
      entryPoints: [join(here, script)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'warning',
    }).then(() => outfile);
    bundles.set(script, out);
  }
  return out;
}

import type { Message } from './file-protocol.js';

export type { Message } from './file-protocol.js';

/** A running child script and everything it reported so far. */
export interface Child {
  proc: ChildProcess;
  messages: Message[];
  /** Everything it wrote to stderr (a crash's stack). */
  stderr(): string;
  /** Resolves with the first message (seen or to come) that `match` accepts. */
  waitFor(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGKILLs it and waits until it is gone. */
  kill(): Promise<void>;
}

/** Starts a bundled child script with `arg` (as JSON in argv[2]). */
export async function startChild(script: string, arg: unknown): Promise<Child> {
  const file = await bundled(script);
  const proc = spawn(process.execPath, [file, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Message[] = [];
  const waiters: { match: (m: Message) => boolean; done: (m: Message) => void }[] = [];
  let partial = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
    err += text;
  });
  proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line) continue;
      const message = JSON.parse(line) as Message;
      messages.push(message);
      for (const w of [...waiters]) {
        if (w.match(message)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(message);
        }
      }
    }
  });
  const exited = new Promise<number | string>((done) => {
    proc.on('exit', (code, signal) => done(code ?? signal ?? -1));
  });
  // stdout ends after exit: every line is in once `closed` resolves
  const closed = new Promise<void>((done) => proc.stdout!.on('close', () => done()));
  const gone = exited.then(async (code) => {
    await closed;
    return code;
  });
  return {
    proc,
    messages,
    stderr: () => err,
    exited: gone,
    waitFor(match, timeoutMs = 60_000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`child ${script} did not report in ${timeoutMs} ms; stderr: ${err}`)),
          timeoutMs,
        );
        const waiter = {
          match,
          done: (m: Message) => {
            clearTimeout(timer);
            done(m);
          },
        };
        waiters.push(waiter);
        exited.then(() =>
          setTimeout(() => {
            if (!waiters.includes(waiter)) return;
            clearTimeout(timer);
            fail(new Error(`child ${script} exited before reporting; stderr: ${err}`));
          }, 50),
        );
      });
    },
    async kill() {
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
