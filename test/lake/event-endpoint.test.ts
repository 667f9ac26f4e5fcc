/**
 * The storage event endpoint over real HTTP, ingesting into a lake on the file port: each body shape
 * LakeRunner accepts makes the object queryable; a notification delivered many times (at once, or again
 * later) adds the rows once; bad bodies get a JSON 400, never a crash.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeEventHandler,
  createLakeServer,
  type EventOutcome,
  type ListeningLakeServer,
} from '../../src/lake/http/index.js';
import { type Lake, openLake } from '../../src/lake/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import {
  blobCreated,
  gridValidation,
  lambdaSqsEvent,
  pubsubPush,
  s3Event,
  s3TestEvent,
  snsNotification,
  sqsMessage,
} from './event-bodies.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

let dir: string;
let port: StoragePort;
let lake: Lake;
let server: ListeningLakeServer;
const outcomes: EventOutcome[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-events-'));
  port = fileStorage(join(dir, 'raw'));
  lake = openLake(port, { orgs: { 'logs-raw/': 'acme' } });
  const handler = createLakeEventHandler(lake, { buckets: ['raw'], onEvent: (o) => outcomes.push(o) });
  server = await createLakeServer([{ path: '/events', methods: ['POST', 'OPTIONS'], handler }]).listen(0);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(body: unknown, path = '/events') {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function rowCount(): Promise<number> {
  let n = 0;
  for await (const _ of lake.logs({ org: 'acme', from: T0 - 86_400_000, to: T0 + 86_400_000, limit: 1e9 }))
    n++;
  return n;
}

describe('the storage event endpoint', () => {
  it('ingests the object each body shape announces, once', async () => {
    const shapes: [string, (key: string) => unknown][] = [
      ['s3', (k) => s3Event('raw', k)],
      ['sqs', (k) => sqsMessage(s3Event('raw', k))],
      ['lambda-sqs', (k) => lambdaSqsEvent(s3Event('raw', k))],
      ['sns', (k) => snsNotification(s3Event('raw', k))],
      ['pubsub', (k) => pubsubPush('raw', k)],
      ['event-grid', (k) => [blobCreated('raw', k)]],
    ];
    let expected = 0;
    for (const [i, [name, body]] of shapes.entries()) {
      const key = `logs-raw/${name} file ${i}.json.gz`;
      await port.put(key, ndjsonGz(rawLines(20, T0 + i * 60_000, 1000, i * 20)));
      const first = await post(body(key));
      expect(first.status, name).toBe(200);
      expect(first.body.ingested, name).toEqual([
        { bucket: 'raw', key, rows: 20, segments: 1, alreadyIngested: false },
      ]);
      expected += 20;
      const again = await post(body(key));
      expect(again.body.ingested, name).toEqual([
        { bucket: 'raw', key, rows: 0, segments: 0, alreadyIngested: true },
      ]);
    }
    expect(await rowCount()).toBe(expected);
  });

  it('ten notifications of one object at once add its rows once', async () => {
    const key = 'logs-raw/burst.json.gz';
    await port.put(key, ndjsonGz(rawLines(50, T0 + 3_600_000, 1000, 10_000)));
    const before = await rowCount();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(s3Event('raw', key))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const rows = answers.map((a) => (a.body.ingested as { rows: number }[])[0]!.rows);
    expect(rows.filter((r) => r === 50)).toHaveLength(1);
    expect(rows.filter((r) => r === 0)).toHaveLength(9);
    expect((await rowCount()) - before).toBe(50);
  });

  it('skips deletions, other buckets, cooked output and vanished objects; reports corrupt files as failed', async () => {
    await port.put('logs-raw/broken.json.gz', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const { status, body } = await post({
      Records: [
        ...s3Event('raw', 'logs-raw/gone.json', 'ObjectRemoved:Delete').Records,
        ...s3Event('other', 'logs-raw/x.json').Records,
        ...s3Event('raw', 'db/acme/_index/logs/20260102.json').Records,
        ...s3Event('raw', 'logs-raw/never-written.json').Records,
        ...s3Event('raw', 'logs-raw/broken.json.gz').Records,
      ],
    });
    expect(status).toBe(200);
    expect((body.skipped as { reason: string }[]).map((s) => s.reason)).toEqual([
      'ObjectRemoved:Delete is not an object creation',
      'bucket other is not served by this lake',
      'cooked lake output or a folder',
      'the object no longer exists',
    ]);
    expect(body.failed).toEqual([
      expect.objectContaining({ key: 'logs-raw/broken.json.gz', code: 'Corrupt', retryable: false }),
    ]);
  });

  it('answers 503 when an ingest may succeed on a retry', async () => {
    const flaky = createLakeServer([
      {
        path: '/events',
        handler: createLakeEventHandler({
          ingest: async () => {
            throw new Error('socket hang up');
          },
        }),
      },
    ]);
    const listening = await flaky.listen(0);
    try {
      const response = await fetch(`${listening.url}/events`, {
        method: 'POST',
        body: JSON.stringify(s3Event('raw', 'a.json')),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ failed: [{ key: 'a.json', retryable: true }] });
    } finally {
      await listening.close();
    }
  });

  it('answers the S3 test event and the Event Grid validation, both handshakes', async () => {
    expect(await post(s3TestEvent)).toEqual({
      status: 200,
      body: { test: true, ingested: [], skipped: [], failed: [] },
    });
    expect(await post(gridValidation('512d38b6-c7b8'))).toEqual({
      status: 200,
      body: { validationResponse: '512d38b6-c7b8' },
    });
    const options = await fetch(`${server.url}/events`, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('refuses bad bodies, methods and paths with a clear JSON error and keeps serving', async () => {
    const bad = await post('{"hello":');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: { code: 'InvalidArgument', message: expect.stringMatching(/not JSON.*expected an S3/) },
    });
    expect((await post({ hello: 1 })).status).toBe(400);
    expect((await post('')).status).toBe(400);
    const big = await post(`{"Records":[${'"x",'.repeat(300_000)}"x"]}`);
    expect(big.status).toBe(413);
    expect((await fetch(`${server.url}/events`)).status).toBe(405);
    expect((await post(s3TestEvent, '/nowhere')).status).toBe(404);
    // random bytes, and a body cut off mid-request, answer or close without harming the server
    const garbage = await fetch(`${server.url}/events`, {
      method: 'POST',
      body: new Uint8Array([0xff, 0, 0xfe, 0x7b]),
    });
    expect(garbage.status).toBe(400);
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/events`, { method: 'POST', headers: { 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"Records":[');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await post(s3TestEvent)).status).toBe(200);
    expect(outcomes.length).toBeGreaterThan(0);
  });
});
