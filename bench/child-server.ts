/**
 * Benchmark servers in processes of their own (bench/gateway-server.ts), so that a server does not
 * share the client's event loop: used by bench/gateway.ts and bench/datasets.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Server } from '../test/support/servers.js';

/** A started server; `cpuMs` reads its process's CPU time where it runs in a child process. */
export type BenchServer = S3Server & { cpuMs?: () => number; smallOnly?: boolean };

/** CPU ms (user + system, all threads) of a process, from /proc (Linux). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields from the state on: utime and stime are the 12th and 13th, in clock ticks (100 per second)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Starts `kind` (see bench/gateway-server.ts) in a child process; stopping closes its stdin.
 * `CHECKOUT:kind` starts the server of another checkout of the repository (a worktree of an earlier
 * commit, for a before/after comparison in one run); its name ends with `@CHECKOUT`.
 */
export async function startChild(spec: string, profileDir?: string): Promise<BenchServer> {
  const at = spec.lastIndexOf(':');
  const kind = spec.slice(at + 1);
  const checkout = at < 0 ? undefined : spec.slice(0, at);
  const script = checkout
    ? join(checkout, 'bench', 'gateway-server.ts')
    : fileURLToPath(new URL('./gateway-server.ts', import.meta.url));
  const profile =
    profileDir && kind.startsWith('gateway') ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
    ...(checkout ? { cwd: checkout } : {}),
  });
  let line = '';
  for await (const chunk of child.stdout) {
    line += String(chunk);
    if (line.includes('\n')) break;
  }
  if (!line.includes('\n')) throw new Error(`${kind} exited before it listened`);
  const listed = JSON.parse(line) as Omit<S3Server, 'stop'>;
  const shown = checkout ? { ...listed, name: `${listed.name} @${checkout}` } : listed;
  return {
    ...shown,
    smallOnly: kind === 'bare',
    cpuMs: () => (child.pid === undefined ? undefined : processCpuMs(child.pid)) ?? Number.NaN,
    async stop() {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
