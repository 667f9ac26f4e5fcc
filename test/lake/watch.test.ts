/**
 * `lake.watch(prefix)`: new and changed raw objects are ingested, a restarted watcher resumes from the
 * checkpoint without redoing work, a dead watcher's claims expire, and several watchers at once ingest
 * each object exactly once — on the file port, on s3rver (single writer) and on Ceph RGW.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointKey, type LogRow, openLake, type WatchOptions } from '../../src/lake/index.js';
import { fileStorage, type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const orgs = { 'logs-raw/': 'acme' };
const ROWS = 5;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function folderPort(): Promise<StoragePort> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-watch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return fileStorage(dir);
}

function s3Port(server: S3Server): StoragePort {
  const port = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  cleanups.push(async () => port.close?.());
  return port;
}

/** File `i` holds rows numbered i*ROWS ... i*ROWS+ROWS-1, one minute per file. */
async function putFile(port: StoragePort, i: number, key = `logs-raw/${String(i).padStart(3, '0')}.json.gz`) {
  await port.put(key, ndjsonGz(rawLines(ROWS, T0 + i * 60_000, 1000, i * ROWS)));
  return key;
}

async function rowIds(port: StoragePort): Promise<number[]> {
  const rows: LogRow[] = [];
  const lake = openLake(port, { orgs, singleWriter: true });
  for await (const row of lake.logs({
    org: 'acme',
    from: T0,
    to: T0 + 86_400_000,
    limit: 1e9,
    order: 'forward',
  }))
    rows.push(row);
  return rows.map((r) => Number(/id=req-(\d+)/.exec(r.log_message)![1])).sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Runs one pass and returns the keys it ingested (not counting ones found already ingested). */
async function onePass(port: StoragePort, options: WatchOptions & { singleWriter?: boolean } = {}) {
  const keys: string[] = [];
  const lake = openLake(port, { orgs, singleWriter: options.singleWriter ?? false });
  const summary = await lake.watch('logs-raw/', {
    ...options,
    once: true,
    onIngest: (e) => {
      if (!e.result.alreadyIngested) keys.push(e.key);
      options.onIngest?.(e);
    },
  });
  return { keys: keys.sort(), summary };
}

describe('lake.watch', () => {
  it('ingests new and changed objects, skips what it has done and what is not a raw log file', async () => {
    const port = await folderPort();
    const keys = [];
    for (const i of range(12)) keys.push(await putFile(port, i));
    await port.put('logs-raw/README.txt', 'not a log');
    await port.put('elsewhere/x.json', '{}');
    const first = await onePass(port);
    expect(first.keys).toEqual(keys);
    expect(first.summary).toMatchObject({ passes: 1, ingested: 12, rows: 60, failed: 0 });
    expect(await rowIds(port)).toEqual(range(60));

    const second = await onePass(port);
    expect(second.keys).toEqual([]);
    expect(second.summary).toMatchObject({ ingested: 0, alreadyIngested: 0 });

    await putFile(port, 12);
    await port.put(keys[0]!, ndjsonGz(rawLines(ROWS, T0 + 20 * 60_000, 1000, 100))); // changed: rows 100-104
    await port.delete(keys[1]!);
    const third = await onePass(port);
    expect(third.keys).toEqual([keys[0], 'logs-raw/012.json.gz']);
    // the lake keeps each version it ingested (key@etag): rows 0-4 stay, 100-104 join
    expect(await rowIds(port)).toEqual([...range(65), ...range(5).map((i) => 100 + i)]);
    const checkpoint = JSON.parse(await (await port.get(checkpointKey('logs-raw/'))).text());
    expect(Object.keys(checkpoint.done)).toHaveLength(12); // the deleted key is dropped
    expect(checkpoint.claims).toEqual({});
  });

  it('resumes after a stop without redoing work', async () => {
    const port = await folderPort();
    for (const i of range(12)) await putFile(port, i);
    const stop = new AbortController();
    let seen = 0;
    const before = await onePass(port, {
      batch: 1,
      signal: stop.signal,
      onIngest: () => {
        if (++seen === 3) stop.abort();
      },
    });
    expect(before.keys).toHaveLength(3);
    const after = await onePass(port);
    expect(after.keys).toHaveLength(9);
    expect(after.summary.alreadyIngested).toBe(0);
    expect([...before.keys, ...after.keys].sort()).toEqual(
      range(12).map((i) => `logs-raw/${String(i).padStart(3, '0')}.json.gz`),
    );
    expect(await rowIds(port)).toEqual(range(60));
  });

  it('waits for a live claim of another watcher, takes an expired one, and its owner takes its own back', async () => {
    const port = await folderPort();
    const a = await putFile(port, 0);
    const b = await putFile(port, 1);
    const etag = async (key: string) => (await port.head(key)).etag;
    const now = Date.now();
    await port.put(
      checkpointKey('logs-raw/'),
      JSON.stringify({
        version: 1,
        prefix: 'logs-raw/',
        done: {},
        failed: {},
        claims: {
          [a]: { etag: await etag(a), owner: 'busy', until: now + 3_600_000 },
          [b]: { etag: await etag(b), owner: 'dead', until: now - 1 },
        },
      }),
    );
    expect((await onePass(port)).keys).toEqual([b]);
    expect((await onePass(port, { owner: 'busy' })).keys).toEqual([a]);
    expect(await rowIds(port)).toEqual(range(10));
  });

  it('records a corrupt file once and tries again only when it changes', async () => {
    const port = await folderPort();
    await port.put('logs-raw/bad.json.gz', new Uint8Array([0x1f, 0x8b, 8, 0, 9, 9, 9]));
    const errors: string[] = [];
    const onError: WatchOptions['onError'] = (e) => errors.push(`${e.key} ${e.permanent}`);
    expect((await onePass(port, { onError })).summary.failed).toBe(1);
    expect((await onePass(port, { onError })).summary.failed).toBe(0);
    expect(errors).toEqual(['logs-raw/bad.json.gz true']);
    await putFile(port, 0, 'logs-raw/bad.json.gz');
    expect((await onePass(port, { onError })).keys).toEqual(['logs-raw/bad.json.gz']);
  });

  it('keeps polling: a file put while it runs is ingested, and abort ends it cleanly', async () => {
    const port = await folderPort();
    const lake = openLake(port, { orgs });
    const stop = new AbortController();
    let arrived!: () => void;
    const ingested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const running = lake.watch('logs-raw/', {
      intervalMs: 100,
      signal: stop.signal,
      onIngest: () => arrived(),
    });
    await new Promise((r) => setTimeout(r, 300));
    await putFile(port, 7);
    await ingested;
    stop.abort();
    const summary = await running;
    expect(summary.ingested).toBe(1);
    expect(summary.passes).toBeGreaterThan(1);
    expect(await rowIds(port)).toEqual(range(5).map((i) => 35 + i));
  });

  it('on s3rver as the single writer', async () => {
    const server = await startS3rver('raw');
    cleanups.push(() => server.stop());
    const port = s3Port(server);
    for (const i of range(6)) await putFile(port, i);
    await expect(openLake(port, { orgs }).watch('logs-raw/', { once: true })).resolves.toMatchObject({
      ingested: 0,
    });
    expect((await onePass(port, { singleWriter: true })).keys).toHaveLength(6);
    expect((await onePass(port, { singleWriter: true })).keys).toHaveLength(0);
    expect(await rowIds(port)).toEqual(range(30));
  }, 60_000);

  /** Three watchers over one bucket at once: every object ingested by exactly one of them. */
  async function threeWatchers(port: StoragePort) {
    for (const i of range(30)) await putFile(port, i);
    const passes = await Promise.all([1, 2, 3].map(() => onePass(port, { batch: 2 })));
    const all = passes.flatMap((p) => p.keys).sort();
    expect(all).toEqual(range(30).map((i) => `logs-raw/${String(i).padStart(3, '0')}.json.gz`));
    expect(passes.reduce((n, p) => n + p.summary.alreadyIngested, 0)).toBe(0);
    expect(await rowIds(port)).toEqual(range(150));
  }

  it('three watchers on the file port: each object once', async () => {
    await threeWatchers(await folderPort());
  }, 120_000);

  it('three watchers on Ceph RGW: each object once', async () => {
    const server = await startCephRgw('watch');
    cleanups.push(() => server.stop());
    await threeWatchers(s3Port(server));
  }, 300_000);
});
