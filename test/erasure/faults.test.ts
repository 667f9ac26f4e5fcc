import { describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { memoryStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { type Fault, faulty } from '../support/faulty.js';

const KIB = 1024;

function cluster(options: { data?: number; parity?: number } = {}) {
  const parity = options.parity ?? 2;
  const n = (options.data ?? 4) + parity;
  const disks = Array.from({ length: n }, () => memoryStorage());
  const ports = disks.map((d) => faulty(d));
  const port = erasure(ports, { parity, blockSize: 64 * KIB, hedgeAfterMs: 30, readTimeoutMs: 5_000 });
  return { disks, ports, port };
}

/** Every way to choose `count` of `n` indexes. */
function choose(n: number, count: number): number[][] {
  if (count === 0) return [[]];
  const out: number[][] = [];
  for (let i = 0; i < n; i++)
    for (const rest of choose(n, count - 1)) if (rest.every((r) => r > i)) out.push([i, ...rest]);
  return out;
}

const read = async (port: StoragePort, key: string) => Buffer.from(await (await port.get(key)).bytes());

describe('erasure under faults', () => {
  for (const fault of ['throw', 'hang', 'corrupt'] as Fault[]) {
    it(`any 2 of 6 ports that ${fault} on reads: every object still reads byte-exact`, async () => {
      const { ports, port } = cluster();
      const objects = new Map<string, Uint8Array>();
      for (const size of [0, 1, 1000, 64 * KIB, 64 * KIB * 5 + 17]) {
        const bytes = pseudoRandomBytes(size, size + 3);
        objects.set(`obj-${size}`, bytes);
        await port.put(`obj-${size}`, bytes);
      }
      for (const broken of choose(6, 2)) {
        for (const i of broken) {
          ports[i]!.fault = fault;
          // corrupt only shard data: a damaged manifest is just one vote of six
          ports[i]!.scope = fault === 'corrupt' ? 'd/' : '';
        }
        for (const [key, bytes] of objects) {
          expect(
            (await read(port, key)).equals(Buffer.from(bytes)),
            `${key} with ports ${broken} ${fault}`,
          ).toBe(true);
        }
        const range = await port.get('obj-327697', { range: { start: 70_000, end: 200_000 } });
        expect(
          Buffer.from(await range.bytes()).equals(
            Buffer.from(objects.get('obj-327697')!.subarray(70_000, 200_001)),
          ),
        ).toBe(true);
        for (const i of broken) ports[i]!.fault = 'none';
      }
    }, 60_000);
  }

  it('lists every object while 2 ports hang or throw', async () => {
    const disks = Array.from({ length: 6 }, () => memoryStorage());
    const ports = disks.map((d) => faulty(d));
    const port = erasure(ports, { parity: 2, hedgeAfterMs: 20, readTimeoutMs: 300 });
    const keys = ['a', 'b/c', 'd'];
    for (const key of keys) await port.put(key, key);
    ports[0]!.fault = 'hang';
    ports[3]!.fault = 'throw';
    const listed: string[] = [];
    for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
    expect(listed).toEqual(keys);
  });

  it('three ports down of 4+2 is a typed Corrupt error, not wrong bytes or a hang', async () => {
    const { ports, port } = cluster();
    await port.put('x', pseudoRandomBytes(100 * KIB, 1));
    for (const i of [0, 2, 4]) ports[i]!.fault = 'throw';
    ports[0]!.scope = 'd/';
    ports[2]!.scope = 'd/';
    ports[4]!.scope = 'd/';
    const err = await port
      .get('x')
      .then((r) => r.bytes())
      .catch((e) => e);
    expect(err.code).toBe('Corrupt');
  });

  it('writes succeed with 2 ports down, and heal() rebuilds their shards and manifests', async () => {
    const { disks, ports, port } = cluster();
    ports[1]!.fault = 'throw';
    ports[5]!.fault = 'throw';
    const bytes = pseudoRandomBytes(300 * KIB, 9);
    await port.put('while-degraded', bytes);
    ports[1]!.fault = 'none';
    ports[5]!.fault = 'none';
    const report = await heal(port, { orphanGraceMs: 0 });
    expect(report).toMatchObject({ objects: 1, shardsRebuilt: 2, unrecoverable: [] });
    expect(report.manifestsRepaired).toBe(2);
    // now any 2 other ports may fail
    ports[0]!.fault = 'throw';
    ports[2]!.fault = 'throw';
    expect((await read(port, 'while-degraded')).equals(Buffer.from(bytes))).toBe(true);
    ports[0]!.fault = 'none';
    ports[2]!.fault = 'none';
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({
      shardsRebuilt: 0,
      manifestsRepaired: 0,
      corruptBlocks: 0,
    });
    void disks;
  });

  it('a write is not held up by 2 hanging ports: they time out and heal() rebuilds them', async () => {
    const disks = Array.from({ length: 6 }, () => memoryStorage());
    const ports = disks.map((d) => faulty(d));
    const port = erasure(ports, { parity: 2, blockSize: 64 * KIB, hedgeAfterMs: 30, writeTimeoutMs: 200 });
    ports[2]!.fault = 'hang';
    ports[4]!.fault = 'hang';
    const bytes = pseudoRandomBytes(200 * KIB, 4);
    const started = Date.now();
    await port.put('slow', bytes);
    expect(Date.now() - started).toBeLessThan(20_000); // the hanging ports never answer: any bound proves it
    expect((await read(port, 'slow')).equals(Buffer.from(bytes))).toBe(true);
    ports[2]!.fault = 'none';
    ports[4]!.fault = 'none';
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ shardsRebuilt: 2, unrecoverable: [] });
  });

  it('random byte flips in stored shards: every one detected on read and repaired by heal()', async () => {
    const { disks, port } = cluster();
    const objects = new Map<string, Uint8Array>();
    for (let i = 0; i < 6; i++) {
      const bytes = pseudoRandomBytes(50 * KIB + i * 7000, i + 1);
      objects.set(`f${i}`, bytes);
      await port.put(`f${i}`, bytes);
    }
    // flip one random bit in up to 2 shards of each object, directly on the disks
    let flips = 0;
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const key of objects.keys()) {
      const victims = new Set([rand(6), rand(6)]);
      for (const disk of victims) {
        const shardKeyOnDisk = await findShard(disks[disk]!, key);
        const stored = await (await disks[disk]!.get(shardKeyOnDisk)).bytes();
        const copy = stored.slice();
        copy[rand(copy.byteLength)]! ^= 1 << rand(8);
        await disks[disk]!.put(shardKeyOnDisk, copy);
        flips++;
      }
    }
    for (const [key, bytes] of objects) expect((await read(port, key)).equals(Buffer.from(bytes))).toBe(true);
    const report = await heal(port, { orphanGraceMs: 0 });
    expect(report.corruptBlocks).toBe(flips);
    expect(report.shardsRebuilt).toBe(flips);
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ corruptBlocks: 0, shardsRebuilt: 0 });
  });

  it('an overwrite interrupted midway leaves the old version or the new one, never a mix', async () => {
    const { ports, port } = cluster();
    const old = pseudoRandomBytes(400 * KIB, 1);
    const next = pseudoRandomBytes(400 * KIB, 2);
    await port.put('doc', old);
    for (let cut = 1; cut <= 6; cut++) {
      // the body fails after `cut` chunks of 64 KiB
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent === cut) return c.error(new Error('client went away'));
          c.enqueue(next.subarray(sent * 64 * KIB, (sent + 1) * 64 * KIB));
          sent++;
        },
      });
      await expect(port.put('doc', body)).rejects.toThrow();
      expect((await read(port, 'doc')).equals(Buffer.from(old))).toBe(true);
    }
    // manifests reach only 3 of 6 ports (below the quorum of 4): the write fails, and a reader sees one whole version
    for (const i of [0, 1, 2]) {
      ports[i]!.fault = 'throw';
      ports[i]!.scope = 'm/';
    }
    await expect(port.put('doc', next)).rejects.toThrow(/heal/);
    for (const i of [0, 1, 2]) ports[i]!.fault = 'none';
    const seen = await read(port, 'doc');
    expect(seen.equals(Buffer.from(next)) || seen.equals(Buffer.from(old))).toBe(true);
    await heal(port, { orphanGraceMs: 0 });
    expect((await read(port, 'doc')).equals(seen)).toBe(true);
    const leftovers = [];
    for (const p of ports) for await (const e of p.list({ prefix: 'd/' })) leftovers.push(e);
    expect(leftovers).toHaveLength(6);
  });

  it('a deleted object stays deleted when a port missed the delete, and heal() clears the tombstones', async () => {
    const { ports, port } = cluster();
    await port.put('gone', 'soon');
    ports[3]!.fault = 'throw';
    await port.delete('gone');
    ports[3]!.fault = 'none';
    expect((await port.head('gone').catch((e) => e)).code).toBe('NotFound');
    const listed = [];
    for await (const e of port.list()) listed.push(e);
    expect(listed).toEqual([]);
    const first = await heal(port, { orphanGraceMs: 0 });
    expect(first.manifestsRepaired).toBe(1);
    const second = await heal(port, { orphanGraceMs: 0 });
    expect(second.tombstonesCleared).toBe(1);
    for (const p of ports) for await (const e of p.list()) expect.fail(`left behind: ${JSON.stringify(e)}`);
  });
});

async function findShard(disk: StoragePort, key: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(key).digest('hex');
  for await (const entry of disk.list({ prefix: `d/${hash}/` }))
    if (entry.type === 'object') return entry.key;
  throw new Error(`no shard of ${key}`);
}

describe('erasure versions', () => {
  it('a delete or overwrite in the same millisecond as the write before it still wins', async () => {
    const port = erasure(
      Array.from({ length: 3 }, () => memoryStorage()),
      { parity: 1 },
    );
    for (let i = 0; i < 200; i++) {
      await port.put(`k${i}`, 'v1');
      await port.put(`k${i}`, 'v2');
      expect(await (await port.get(`k${i}`)).text()).toBe('v2');
      await port.delete(`k${i}`);
      expect((await port.head(`k${i}`).catch((e) => e)).code).toBe('NotFound');
    }
  });
});
