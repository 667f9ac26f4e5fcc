/**
 * Nothing acknowledged is lost: `bucketkit lake serve` (a real process) takes OTLP trace batches, is killed
 * with SIGKILL while batches are in flight, and every batch it acknowledged is in the lake afterwards. After
 * a restart the client retries the batches it got no answer for, and every batch is there exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lake, openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { counterIds, recordCheckout, sdkSpans, T0_MS, tracesProtobuf } from './traces/trace-fixtures.js';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const BATCHES = 16;
const traceHex = (n: number) => n.toString(16).padStart(32, '0');

let dir: string;
let url: string;
const batches: Uint8Array[] = [];

/** Starts `lake serve` and resolves with its base URL and the process. */
async function serve(): Promise<{ base: string; child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'lake', 'serve', url, '--port', '0', '--org', 'acme'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      const found = /lake event endpoint: (\S+)\/events/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  return { base, child, exited };
}

/** Posts a batch; the status, or 0 when the connection died first. */
async function post(base: string, body: Uint8Array): Promise<number> {
  try {
    const response = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      body: Buffer.from(body),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function spansOf(lake: Lake, batch: number) {
  const { spans } = await lake.trace(traceHex(1000 + batch), {
    org: 'acme',
    from: T0_MS,
    to: T0_MS + 3_600_000,
  });
  return spans.length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-receiver-crash-'));
  url = `file://${dir}`;
  for (let i = 0; i < BATCHES; i++) {
    batches.push(
      tracesProtobuf(
        await sdkSpans((p) => recordCheckout(p, T0_MS + i * 1000), 'checkout', counterIds(1000 + i)),
      ),
    );
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lake serve killed mid-stream', () => {
  it('keeps every acknowledged batch; retries after a restart add the rest exactly once', async () => {
    const first = await serve();
    const statuses = new Array<number>(BATCHES).fill(0);
    let acknowledged = 0;
    let killed = false;
    // two clients send at once; the server is killed after the sixth acknowledgement
    const sender = async (start: number) => {
      for (let i = start; i < BATCHES; i += 2) {
        if (killed) return;
        statuses[i] = await post(first.base, batches[i]!);
        if (statuses[i] === 200 && ++acknowledged === 6) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([sender(0), sender(1)]);
    await first.exited;
    const acked = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(acked.length).toBeGreaterThanOrEqual(6);
    expect(acked.length).toBeLessThan(BATCHES);

    const lake = openLake(fileStorage(dir));
    for (const i of acked) expect(await spansOf(lake, i)).toBe(4);

    const second = await serve();
    for (let i = 0; i < BATCHES; i++) {
      if (statuses[i] !== 200) statuses[i] = await post(second.base, batches[i]!);
    }
    // a batch acknowledged before the kill, sent again, is taken once
    expect(await post(second.base, batches[acked[0]!]!)).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(statuses).toEqual(new Array(BATCHES).fill(200));
    for (let i = 0; i < BATCHES; i++) expect(await spansOf(lake, i)).toBe(4);
    await lake.close();
  }, 240_000);
});
