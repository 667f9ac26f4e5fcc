/**
 * `bucketkit lake serve` against a hostile client, over real HTTP: regexes built to backtrack forever,
 * clients that trickle a body, limits past any sane result, malformed label names in the path, bodies past
 * the limit. Each answer is the 4xx a client can act on, and the server keeps answering others.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/index.js';
import { type ServedLake, serveLake } from './lake-serve.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const LINES = 300;

let dir: string;
let served: ServedLake;

/** A Loki query_range over the fixture's ten minutes; a hung server fails the fetch's own timeout. */
async function lokiRange(query: string, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    query,
    start: String(T0 / 1000),
    end: String(T0 / 1000 + 600),
    ...extra,
  });
  const response = await fetch(`${served.base}/loki/api/v1/query_range?${params}`, {
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text() };
}

/** The lines of a streams answer, sorted. */
const linesOf = (text: string): string[] =>
  (JSON.parse(text).data.result as { values: [string, string][] }[])
    .flatMap((s) => s.values.map(([, line]) => line))
    .sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-serve-hostile-'));
  await fileStorage(dir).put('logs-raw/a.json.gz', ndjsonGz(rawLines(LINES, T0, 1000)));
  const url = `file://${dir}`;
  await run(process.execPath, [
    '--import',
    'tsx',
    cli,
    'lake',
    'ingest',
    url,
    'logs-raw/a.json.gz',
    '--prefix-org',
    'logs-raw/=acme',
  ]);
  served = await serveLake(url, ['--org', 'acme', '--request-timeout', '2s', '--max-entries', '1000']);
}, 120_000);

afterAll(async () => {
  if (served) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('lake serve against a hostile client', () => {
  it('matches catastrophic-backtracking regexes in linear time, and keeps answering', async () => {
    // backtracking engines take exponential time per line on these; before, one request hung the server
    const line = await lokiRange('{resource_service_name=~".+"} |~ "(.*.*.*.*.*)*id=req-29$"');
    expect(line.status).toBe(200);
    expect(linesOf(line.text)).toEqual(['request 29 from 10.0.29.203 took 29ms id=req-29']);
    const label = await lokiRange('{resource_service_name=~"(a|a|.*.*.*)*h$"} |= "id=req-2"');
    expect(label.status).toBe(200);
    // search is service i % 3 == 2: req-2, req-20.., req-200..
    expect(linesOf(label.text)).toHaveLength(
      Array.from({ length: LINES }, (_, i) => i).filter((i) => i % 3 === 2 && String(i).startsWith('2'))
        .length,
    );
    const after = await lokiRange('{resource_service_name="api"}', { limit: '1' });
    expect(after.status).toBe(200);
  }, 120_000);

  it('refuses what RE2 cannot match in linear time (back-references, lookarounds) with a 400', async () => {
    for (const regex of ['(a)\\\\1', '(?=x)id', '(?<!x)id']) {
      const { status, text } = await lokiRange(`{resource_service_name=~".+"} |~ "${regex}"`);
      expect(status).toBe(400);
      expect(text).toContain('invalid regular expression');
    }
  }, 60_000);

  it('answers a limit past --max-entries with a 400, as Loki does', async () => {
    const tooMany = await lokiRange('{resource_service_name=~".+"}', { limit: '100000000' });
    expect(tooMany).toEqual({
      status: 400,
      text: 'max entries limit per query exceeded, limit > max_entries_limit_per_query (100000000 > 1000)',
    });
    const most = await lokiRange('{resource_service_name=~".+"}', { limit: '1000' });
    expect(most.status).toBe(200);
    expect(linesOf(most.text)).toHaveLength(LINES);
  }, 60_000);

  it('answers a malformed %-escape in a label name with a 400, not a 500', async () => {
    const loki = await fetch(`${served.base}/loki/api/v1/label/%ZZ/values`);
    expect(loki.status).toBe(400);
    expect(await loki.text()).toBe('invalid label name "%ZZ": a malformed %-escape');
    const prom = await fetch(`${served.base}/api/v1/label/%E0%A4%A/values`);
    expect(prom.status).toBe(400);
    expect(await prom.json()).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid label name "%E0%A4%A": a malformed %-escape',
    });
  });

  it('answers a query body past the limit with 413', async () => {
    const form = `query=${'a'.repeat(2 * 1024 * 1024)}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const loki = await fetch(`${served.base}/loki/api/v1/query_range`, {
      method: 'POST',
      body: form,
      headers,
    });
    expect(loki.status).toBe(413);
    expect(await loki.text()).toBe('the body is larger than 1048576 bytes; send a shorter query');
    const prom = await fetch(`${served.base}/api/v1/query`, { method: 'POST', body: form, headers });
    expect(prom.status).toBe(413);
    expect((await prom.json()).errorType).toBe('bad_data');
  });

  it('drops clients that trickle a body after --request-timeout, so the receiver is not held', async () => {
    const { hostname, port } = new URL(served.base);
    const slow: { socket: Socket; answer: Promise<string> }[] = [];
    // as many trickling clients as the receiver has slots (4): before, they held them for good
    for (let i = 0; i < 4; i++) {
      const socket = connect(Number(port), hostname);
      const answer = new Promise<string>((resolve) => {
        let got = '';
        socket.on('data', (d) => {
          got += d;
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(got));
      });
      socket.write(
        'POST /v1/logs HTTP/1.1\r\nHost: lake\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\nab',
      );
      slow.push({ socket, answer });
    }
    try {
      const answers = await Promise.all(slow.map((s) => s.answer));
      for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 408 /);
      const response = await fetch(`${served.base}/v1/logs`, {
        method: 'POST',
        body: new Uint8Array(0),
        headers: { 'content-type': 'application/x-protobuf' },
      });
      expect(response.status).toBe(200);
    } finally {
      for (const s of slow) s.socket.destroy();
    }
  }, 60_000);
});
