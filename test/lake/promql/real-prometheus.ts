/**
 * A real Prometheus for the PromQL tests (Debian's 2.42): in a temp folder, on a loopback port, with a
 * given config and optionally a TSDB backfilled by `promtool tsdb create-blocks-from openmetrics`.
 * `stop()` ends the process and removes the folder.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from '../../support/closed-port.js';

const run = promisify(execFile);

export interface RealPrometheus {
  url: string;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

/** Starts Prometheus; `openMetrics` (text ending `# EOF`) is backfilled into its TSDB first. */
export async function startPrometheus(
  options: { config?: string; openMetrics?: string } = {},
): Promise<RealPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-prom-'));
  const data = join(dir, 'data');
  if (options.openMetrics !== undefined) {
    await writeFile(join(dir, 'input.om'), options.openMetrics);
    await run(
      '/usr/bin/promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), data],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  }
  await writeFile(join(dir, 'prometheus.yml'), options.config ?? 'global:\n  scrape_interval: 1m\n');
  const port = await closedPort();
  let output = '';
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited: ${output.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, dir, log: () => output, stop };
}

/** GET a Prometheus API path and return its JSON (any status). */
export async function apiGet(base: string, path: string, params: Record<string, string>): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  return { status: res.status, body: (await res.json()) as ApiBody };
}

export interface ApiBody {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown } | unknown;
  errorType?: string;
  error?: string;
}

export interface ApiAnswer {
  status: number;
  body: ApiBody;
}
