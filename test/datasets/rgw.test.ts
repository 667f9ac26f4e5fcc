import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregate,
  datasets,
  importDataset,
  presignRange,
  range,
  readTar,
  storageConfigs,
  tarBytes,
  tarContent,
  uploadDatarange,
  uploadTarStream,
} from '../../src/datasets/index.js';
import {
  concatBytes,
  instrumented,
  memoryStorage,
  type StoragePort,
  s3Storage,
} from '../../src/storage/index.js';
import { rawClient, type S3Server, startCephRgw } from '../support/servers.js';
import { expectClean, expectWhole, sized } from './aggregate-suite.js';
import { type CrashablePort, crashable } from './crash-port.js';
import { concurrentOverlap, keysOf } from './dataset-suite.js';

const MIB = 1024 * 1024;
const run = promisify(execFile);

describe('datasets on Ceph RGW', () => {
  let server: S3Server;
  let port: StoragePort;
  let crashy: CrashablePort;
  beforeAll(async () => {
    server = await startCephRgw('test');
    port = s3Storage({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    crashy = crashable(port);
  }, 300_000);
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('eight concurrent uploads of overlapping dataranges: exactly one wins', async () => {
    await concurrentOverlap(port, 'race');
  });

  it('eight handles with the same cached manifest upload the same range at once: one wins, intact', async () => {
    await concurrentOverlap(port, 'race-warm', { warm: true, sameRange: true });
    await concurrentOverlap(port, 'race-warm-pairs', { warm: true });
  });

  it('handles writing from stale cached manifests: If-Match catches every stale one', async () => {
    const a = await datasets(port).create('stale');
    const b = datasets(port).open('stale');
    await b.manifest();
    const committed: Awaited<ReturnType<typeof uploadDatarange>>[] = [];
    // Each handle's cached manifest is stale by the other's last upload.
    for (let i = 0; i < 3; i++) {
      committed.push(await uploadDatarange(a, sized(1 + i * 20, 10 + i * 20, 100)));
      committed.push(await uploadDatarange(b, sized(11 + i * 20, 20 + i * 20, 100)));
    }
    const overlap = await uploadDatarange(a, sized(55, 56, 100)).catch((e: unknown) => e);
    expect((overlap as { details?: unknown }).details).toMatchObject({
      overlaps: { first: '51', last: '60' },
    });
    const manifest = await datasets(port).open('stale').manifest();
    expect(manifest.dataranges).toEqual(committed);
    expect(manifest.pending).toBeUndefined();
    expect(new Set(committed.map((r) => r.counter)).size).toBe(6);
  });

  it('aggregates with UploadPartCopy: the data does not pass through the client', async () => {
    const counted = instrumented(port);
    const ds = await datasets(counted).create('copy');
    for (let i = 0; i < 3; i++) await uploadDatarange(ds, sized(1 + i * 3, 3 + i * 3, 2 * MIB));
    counted.reset();
    const result = await aggregate(ds, 1, 9);
    const { bytesIn, bytesOut } = counted.usage();
    expect(result.copiedBytes).toBeGreaterThan(18 * MIB);
    expect(result.uploadedBytes).toBe(1024);
    expect(bytesIn + bytesOut).toBeLessThan(64 * 1024);
    expect(counted.usage().operations.multipart?.calls).toBe(1 + 3 + 1 + 1);
    await expectWhole(datasets(port).open('copy'), 1, 9, 2 * MIB);
    await expectClean(crashy, ds);
  }, 60_000);

  it('mixes copied parts and small glue parts, and the result is a valid TAR for GNU tar', async () => {
    const counted = instrumented(port);
    const ds = await datasets(counted).create('glue');
    await uploadDatarange(ds, sized(1, 3, 2 * MIB)); // 6 MiB: copied
    await uploadDatarange(ds, sized(4, 4, 1 * MIB)); // 1 MiB: glue, borrowing 4 MiB of the next
    await uploadDatarange(ds, sized(5, 10, 2 * MIB)); // 12 MiB: 4 MiB glue, 8 MiB copied
    await uploadDatarange(ds, sized(11, 11, 100)); // tiny tail: glue with the end-of-archive
    counted.reset();
    const result = await aggregate(ds, 1, 11);
    expect(result.uploadedBytes).toBeGreaterThanOrEqual(5 * MIB);
    expect(result.uploadedBytes).toBeLessThan(5 * MIB + 8192);
    expect(result.copiedBytes + result.uploadedBytes).toBe(result.datarange.size);
    let n = 0;
    for await (const p of range(datasets(port).open('glue'), 1, 11)) {
      expect(new TextDecoder().decode(p.body.subarray(0, String(p.n).length + 2))).toBe(`#${p.n}#`);
      n++;
    }
    expect(n).toBe(11);
    const dir = await mkdtemp(join(tmpdir(), 'bk-agg-'));
    try {
      const file = join(dir, 'agg.tar');
      await writeFile(file, await (await port.get(result.datarange.key)).bytes());
      const { stdout } = await run('tar', ['-tf', file]);
      expect(stdout.trim().split('\n')).toHaveLength(11);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('presignRange: fetch() with the Range header returns exactly the datapoints, gaps reported', async () => {
    const ds = await datasets(port).create('presign');
    await uploadDatarange(ds, sized(1, 5, 3000));
    await uploadDatarange(ds, sized(6, 8, 100));
    await uploadDatarange(ds, sized(12, 13, 10));
    const { segments, gaps, terminator } = await presignRange(ds, 3, 12, { expiresIn: 600 });
    expect(gaps).toEqual([{ first: 9n, last: 11n }]);
    expect(segments.map((s) => [s.first, s.last])).toEqual([
      [3n, 5n],
      [6n, 8n],
      [12n, 12n],
    ]);
    const parts: Uint8Array[] = [];
    for (const s of segments) {
      const res = await fetch(s.url, { headers: { Range: s.header } });
      expect(res.status).toBe(206);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytes.length).toBe(s.range.end - s.range.start + 1);
      parts.push(bytes);
    }
    const tar = concatBytes([...parts, new Uint8Array(terminator)]);
    const entries = readTar(tar);
    expect(entries.map((e) => Number(e.name.slice(0, 20)))).toEqual([3, 4, 5, 6, 7, 8, 12]);
    expect(new TextDecoder().decode(tarContent(tar, entries[2]!).subarray(0, 3))).toBe('#5#');
  });

  it('uploads a 20 MiB TAR stream of unknown length as multipart and reads it back', async () => {
    const counted = instrumented(port);
    const ds = await datasets(counted).create('stream');
    const tar = tarBytes(
      sized(1, 10, 2 * MIB).map((p) => ({
        name: `${String(p.n).padStart(20, '0')}.bin`,
        body: p.body as Uint8Array,
      })),
    );
    async function* chunks() {
      for (let at = 0; at < tar.length; at += 1 * MIB + 7) yield tar.slice(at, at + 1 * MIB + 7);
    }
    const stored = await uploadTarStream(ds, chunks());
    expect(stored).toMatchObject({ first: 1n, last: 10n, size: tar.length });
    expect(counted.usage().operations.copy?.calls).toBe(1);
    await expectWhole(datasets(port).open('stream'), 1, 10, 2 * MIB);
    await expectClean(crashy, ds);
  }, 60_000);

  it('imports dataranges written elsewhere, and refuses overlapping ones', async () => {
    const ds = await datasets(port).create('imp');
    const a = await uploadDatarange(ds, sized(1, 4, 100));
    const b = await uploadDatarange(ds, sized(5, 9, 100));
    await port.delete('datas3t/imp/manifest.json');
    const result = await importDataset(port, 'imp', { full: true });
    expect(result.imported.map((r) => r.key)).toEqual([a.key, b.key]);
    const manifest = await datasets(port).open('imp').manifest({ fresh: true });
    expect(manifest.next).toBe(3);
    await expectWhole(datasets(port).open('imp'), 1, 9, 100);
    expect((await importDataset(port, 'imp')).known).toBe(2);
    // a stale copy of 3..6 (say, a source an aggregation did not get to delete)
    const stale = 'datas3t/imp/dataranges/00000000000000000003-00000000000000000006-000000000007';
    await port.copy(a.key, `${stale}.tar`);
    await port.copy(a.key.replace(/\.tar$/, '.index'), `${stale}.index`);
    const err = await importDataset(port, 'imp').catch((e: unknown) => e);
    expect(String(err)).toMatch(/overlaps/);
    expect(await keysOf(port, 'datas3t/imp/')).toContain(`${stale}.tar`);
    expect((await datasets(port).open('imp').manifest({ fresh: true })).dataranges).toHaveLength(2);
  });

  it('one catalog of storage configs holds datasets on two buckets', async () => {
    const client = rawClient(server);
    await client.send(new CreateBucketCommand({ Bucket: 'second' }));
    client.destroy();
    const configs = storageConfigs(memoryStorage(), { passphrase: 'pass phrase', iterations: 100_000 });
    const common = {
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    };
    await configs.add({ name: 'first', bucket: server.bucket, prefix: 'multi/', ...common });
    await configs.add({ name: 'second', bucket: 'second', ...common });
    for (const [config, n] of [
      ['first', 1],
      ['second', 2],
    ] as const) {
      const ds = await (await configs.datasets(config)).create('shared-name');
      await uploadDatarange(ds, sized(n, n + 1, 10));
    }
    const one = (await configs.datasets('first')).open('shared-name');
    const two = (await configs.datasets('second')).open('shared-name');
    expect((await one.manifest({ fresh: true })).dataranges[0]?.first).toBe(1n);
    expect((await two.manifest({ fresh: true })).dataranges[0]?.first).toBe(2n);
    expect(await keysOf(port, 'multi/datas3t/shared-name/')).toHaveLength(3);
  });
});
