import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasets,
  formatDatapointName,
  get,
  tarBytes,
  uploadDatarange,
  uploadTarStream,
} from '../../src/datasets/index.js';
import { bkError } from '../../src/errors.js';
import {
  fileStorage,
  memoryStorage,
  type PutOptions,
  type PutResult,
  type StoragePort,
  streamOf,
} from '../../src/storage/index.js';
import { concurrentOverlap, keysOf, points } from './dataset-suite.js';

const MIB = 1024 * 1024;
type PutBody = Parameters<StoragePort['put']>[1];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `base` whose puts go through `around`, which calls `put` to do the real one (or throws instead). */
function wrapPut(
  base: StoragePort,
  around: (
    put: () => Promise<PutResult>,
    key: string,
    body: PutBody,
    options: PutOptions,
  ) => Promise<PutResult>,
): StoragePort {
  return Object.assign(Object.create(base) as StoragePort, {
    put: (key: string, body: PutBody, options: PutOptions = {}) =>
      around(() => base.put(key, body, options), key, body, options),
  });
}

/** A port that logs when each put starts and ends, holding every put for `delayMs`. */
function timeline(base: StoragePort, delayMs: number) {
  const events: string[] = [];
  const port = wrapPut(base, async (put, key) => {
    const what = key.endsWith('manifest.json') ? 'manifest' : key.endsWith('.index') ? 'index' : 'tar';
    events.push(`start ${what}`);
    await sleep(delayMs);
    const result = await put();
    events.push(`end ${what}`);
    return result;
  });
  return { port, events };
}

describe('uploads from a cached manifest (one manifest write shorter)', () => {
  it('sends the archive while the reservation is written, then commits', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const { port, events } = timeline(base, 20);
    const ds = datasets(port).open('ds');
    await uploadDatarange(ds, points(1, 10)); // no manifest cached yet: reserve, write, commit
    expect(events.slice(0, 2)).toEqual(['start manifest', 'end manifest']);
    events.length = 0;
    const second = await uploadDatarange(ds, points(11, 20));
    // All three writes start before any ends; the commit comes last.
    expect(events.slice(0, 3).sort()).toEqual(['start index', 'start manifest', 'start tar']);
    expect(events.slice(-2)).toEqual(['start manifest', 'end manifest']);
    expect(second.counter).toBe(2);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges.map((r) => [r.first, r.last, r.counter])).toEqual([
      [1n, 10n, 1],
      [11n, 20n, 2],
    ]);
    expect(manifest.pending).toBeUndefined();
  });

  it('a counter taken meanwhile: the written objects go and the slow path commits', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const mine = datasets(base).open('ds');
    await mine.manifest();
    await uploadDatarange(datasets(base).open('ds'), points(100, 110)); // takes the counter mine predicts
    const committed = await uploadDatarange(mine, points(1, 10));
    expect(committed.counter).toBe(2);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges.map((r) => r.counter)).toEqual([2, 1]);
    expect(manifest.pending).toBeUndefined();
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toEqual(
      manifest.dataranges.flatMap((r) => [r.key.replace(/\.tar$/, '.index'), r.key]).sort(),
    );
  });

  it('an overlap seen in the cached manifest is refused without writing a byte', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const { port, events } = timeline(base, 0);
    const ds = datasets(port).open('ds');
    await uploadDatarange(ds, points(1, 10));
    events.length = 0;
    const err = await uploadDatarange(ds, points(5, 15)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InvalidArgument', details: { overlaps: { first: '1', last: '10' } } });
    expect(events.filter((e) => !e.includes('manifest'))).toEqual([]);
  });

  it('a port that cannot write a large body create-only: the upload still lands, the slow way', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    let refused = 0;
    const port = wrapPut(base, async (put, _key, body, options) => {
      if (options.ifNoneMatch && (body as Uint8Array).length > 5 * MIB) {
        refused++;
        throw bkError('Unsupported', 'create-only is limited to 5 MiB here');
      }
      return put();
    });
    const ds = datasets(port).open('ds');
    const big = (first: number) =>
      Array.from({ length: 6 }, (_, i) => ({ n: first + i, ext: 'bin', body: new Uint8Array(MIB).fill(i) }));
    await uploadDatarange(ds, big(1));
    await uploadDatarange(ds, big(11));
    await uploadDatarange(ds, big(21));
    // the first upload (slow path) tries create-only once, then writes plainly; the second tries the
    // fast path (refused, remembered) and then the slow path; the third goes straight to the slow path
    expect(refused).toBe(4);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges.map((r) => r.first)).toEqual([1n, 11n, 21n]);
    expect(manifest.pending).toBeUndefined();
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toHaveLength(6);
  });

  it('an abort mid-upload leaves nothing behind', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    const { port } = timeline(base, 30);
    const ds = datasets(port).open('ds');
    await uploadDatarange(ds, points(1, 10));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const err = await uploadDatarange(ds, points(11, 20), { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    await sleep(100);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges).toHaveLength(1);
    expect(manifest.pending).toBeUndefined();
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toHaveLength(2);
  });
});

describe.each([
  ['memory', () => Promise.resolve({ port: memoryStorage() as StoragePort, done: async () => {} })],
  [
    'file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'bk-ds-fast-'));
      return { port: fileStorage(dir) as StoragePort, done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
])('eight warm handles racing on %s', (_name, make) => {
  let port: StoragePort;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ port, done } = await make());
  });
  afterAll(() => done());

  it('pairwise overlapping ranges: exactly one commits, nothing else is left', async () => {
    await concurrentOverlap(port, 'overlap', { warm: true });
  });

  it('the very same range and keys: exactly one commits, and its archive is its own', async () => {
    await concurrentOverlap(port, 'same', { warm: true, sameRange: true });
  });
});

describe('a fast-path writer racing a slow-path writer for the same range and counter', () => {
  /** `base` with puts of keys ending in `suffix` held for `ms` first. */
  const holding = (base: StoragePort, suffix: string, ms: number): StoragePort =>
    wrapPut(base, async (put, key) => {
      if (key.endsWith(suffix)) await sleep(ms);
      return put();
    });

  it('large archives: one commits, and its archive is whole and its own (never deleted by the loser)', async () => {
    const big = (tag: number) =>
      Array.from({ length: 6 }, (_, i) => ({ n: 1 + i, ext: 'bin', body: new Uint8Array(MIB).fill(tag) }));
    const base = memoryStorage();
    await datasets(base).create('ds');
    // The cold writer reserves counter 1 at once and writes its index; its archive takes 40 ms. The warm
    // writer, a moment later, predicts counter 1 too: its index finds the key taken, its archive lands
    // first, its reservation (held 60 ms) loses. Its cleanup then removes the archive it wrote, so the
    // cold writer must never have written over that key: its create-only write is refused instead,
    // and it takes the next counter.
    const warm = datasets(holding(base, 'manifest.json', 60)).open('ds');
    await warm.manifest();
    const cold = uploadDatarange(datasets(holding(base, '.tar', 40)).open('ds'), big(2));
    await sleep(5);
    const results = await Promise.allSettled([uploadDatarange(warm, big(1)), cold]);
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i + 1] : []));
    expect(won).toHaveLength(1);
    const manifest = await datasets(base).open('ds').manifest();
    expect(manifest.dataranges).toHaveLength(1);
    expect(manifest.pending).toBeUndefined();
    const range = manifest.dataranges[0]!;
    const tar = await (await base.get(range.key).catch(() => undefined))?.bytes();
    expect(tar?.byteLength, 'the committed archive exists').toBe(range.size);
    expect(tar![512]).toBe(won[0]); // the winner's bytes, not the loser's
    expect(await keysOf(base, 'datas3t/ds/dataranges/')).toEqual([
      range.key.replace(/\.tar$/, '.index'),
      range.key,
    ]);
  });
});

describe('a fast-path writer racing a streamed upload (which writes without a condition)', () => {
  it('its archive written over by the stream, the fast writer leaves the key alone', async () => {
    const base = memoryStorage();
    await datasets(base).create('ds');
    let coldManifestWrites = 0;
    const cold = wrapPut(base, async (put, key) => {
      if (key.endsWith('.tar')) await sleep(40); // a slow stream
      if (key.endsWith('manifest.json') && ++coldManifestWrites === 2) await sleep(150); // a late commit
      return put();
    });
    const warmPort = wrapPut(base, async (put, key) => {
      if (!key.endsWith('.tar')) await sleep(100);
      return put();
    });
    const warm = datasets(warmPort).open('ds');
    await warm.manifest(); // predicts counter 1
    const archive = tarBytes(
      points(1, 10).map((p) => ({
        name: formatDatapointName(p.n, p.ext),
        body: new TextEncoder().encode(`stream ${p.n}`),
      })),
    );
    const streamed = uploadTarStream(datasets(cold).open('ds'), streamOf(archive), { last: 10n });
    await sleep(5);
    // The warm writer's archive lands first; the stream writes over it, then its index; the warm
    // writer's index finds the key taken and its reservation loses while the stream is still pending.
    const results = await Promise.allSettled([uploadDatarange(warm, points(1, 10)), streamed]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    const committed = (await datasets(base).open('ds').manifest()).dataranges;
    expect(committed).toHaveLength(1);
    const back = await get(datasets(base).open('ds'), 3n);
    expect(new TextDecoder().decode(back)).toBe('stream 3');
  });
});
