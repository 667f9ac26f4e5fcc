import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { requireDebian } from '../support/debian.js';

/** The Chromium binary, or a clear error: browser tests must fail, not skip, when it is missing. */
export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  requireDebian('chromium');
  throw new Error('Chromium is on no known name: chromium, chromium-browser, google-chrome');
}

/**
 * Serves `files` (path → content type and body) on loopback, opens `/` in headless Chromium and
 * resolves with the JSON the page POSTs to `/result`. Rejects after `timeoutMs`, with Chromium's stderr.
 */
export async function runInChromium(
  files: Record<string, { type: string; body: string | Uint8Array }>,
  timeoutMs = 60_000,
): Promise<unknown> {
  let settle: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<unknown>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/result') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end('ok');
        try {
          settle?.resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          settle?.reject(err as Error);
        }
      });
      return;
    }
    const file = files[(req.url ?? '').split('?')[0]!]; // a redirect back may carry a query
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const profile = await mkdtemp(join(tmpdir(), 'bk-chromium-'));
  const browser = spawn(
    chromiumPath(),
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-extensions',
      `--user-data-dir=${profile}`,
      `http://127.0.0.1:${port}/`,
    ],
    // its own process group, so its helper processes (renderers, crashpad) die with it
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  browser.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  browser.on('exit', (code) =>
    settle?.reject(new Error(`Chromium exited (${code}) before the page answered:\n${stderr}`)),
  );
  const timer = setTimeout(
    () => settle?.reject(new Error(`no answer from the page in ${timeoutMs} ms:\n${stderr}`)),
    timeoutMs,
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    browser.removeAllListeners('exit');
    if (browser.exitCode === null && browser.signalCode === null) {
      const gone = new Promise<void>((resolve) => browser.once('exit', () => resolve()));
      try {
        process.kill(-browser.pid!, 'SIGKILL');
      } catch {
        browser.kill('SIGKILL');
      }
      await gone;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // a helper process may still be closing files in the profile for a moment
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/**
 * Bundles `page` for the browser (a `node:` import anywhere in its graph fails the build), with each of
 * `define`'s values as a JSON constant, runs it in headless Chromium and resolves with what it posted.
 */
export async function runPage(
  page: URL,
  define: Record<string, unknown> = {},
  /** Extra files served next to the page (e.g. a `.wasm` the bundle fetches relative to itself). */
  assets: Record<string, { type: string; body: string | Uint8Array }> = {},
): Promise<Record<string, unknown>> {
  const bundle = await build({
    entryPoints: [page.pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    define: Object.fromEntries(Object.entries(define).map(([name, value]) => [name, JSON.stringify(value)])),
  });
  return (await runInChromium({
    '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
    '/page.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.contents },
    ...assets,
  })) as Record<string, unknown>;
}
