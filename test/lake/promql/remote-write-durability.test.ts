/**
 * Nothing acknowledged is lost: a lake process takes remote-write batches, is killed (SIGKILL) right after
 * its last acknowledgement and while another batch is in flight; a new process on the same bucket answers
 * every acknowledged sample, once, and the unacknowledged batch, resent, is taken once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JudgeSeries, toRemoteWrite } from './judge-data.js';
import { apiGet } from './real-prometheus.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const child = fileURLToPath(new URL('./receiver-child.ts', import.meta.url));
const BATCHES = 12;
const PER_BATCH = 20;

let dir: string;
const children: ChildProcess[] = [];

async function startLake(): Promise<{ url: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, join(dir, 'bucket')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`the lake process exited (${code})`)));
  });
  return { url, process: proc };
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

/** One batch: PER_BATCH samples of one counter, 15 s apart, continuing the previous batch. */
function batch(i: number): { body: Uint8Array; samples: [number, number][] } {
  const samples: [number, number][] = [];
  for (let k = 0; k < PER_BATCH; k++) {
    const n = i * PER_BATCH + k;
    samples.push([T0 + 3_000 + n * 15_000, n * 3]);
  }
  const series: JudgeSeries = { name: 'acked_total', labels: { job: 'kill' }, samples };
  return { body: toRemoteWrite([series], 10 * 86_400_000)[0]!, samples };
}

const post = (url: string, body: Uint8Array) =>
  fetch(`${url}/api/v1/write`, { method: 'POST', body: Buffer.from(body) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-kill-'));
});

afterAll(async () => {
  for (const c of children) await kill(c);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('remote write: acknowledged means stored', () => {
  it('every acknowledged sample survives a SIGKILL; the batch in flight, resent, is taken once', async () => {
    const first = await startLake();
    const acked: [number, number][] = [];
    for (let i = 0; i < BATCHES; i++) {
      const { body, samples } = batch(i);
      const res = await post(first.url, body);
      expect(res.status).toBe(204);
      acked.push(...samples);
    }
    const inFlight = batch(BATCHES);
    const pending = post(first.url, inFlight.body).then(
      (r) => r.status,
      () => 'no answer',
    );
    await kill(first.process);
    const outcome = await pending;
    if (outcome === 204) acked.push(...inFlight.samples);

    const second = await startLake();
    const time = String((T0 + 86_400_000) / 1000);
    const read = async () => {
      const answer = await apiGet(second.url, '/api/v1/query', { query: 'acked_total[1d]', time });
      expect(answer.body.status).toBe('success');
      const result = (answer.body.data as { result: { values: [number, string][] }[] }).result;
      return (result[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)] as [number, number]);
    };
    const stored = await read();
    const storedTimes = new Set(stored.map(([t]) => t));
    expect(storedTimes.size).toBe(stored.length); // no sample twice
    for (const [t, v] of acked) expect(stored).toContainEqual([t, v]);

    // the client retries what got no 204: taken once, whether or not the killed process stored it
    if (outcome !== 204) expect((await post(second.url, inFlight.body)).status).toBe(204);
    expect((await post(second.url, inFlight.body)).status).toBe(204);
    const after = await read();
    expect(after.length).toBe((BATCHES + 1) * PER_BATCH);
    expect(new Set(after.map(([t]) => t)).size).toBe(after.length);
  }, 120_000);
});
