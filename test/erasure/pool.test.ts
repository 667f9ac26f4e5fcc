import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../src/erasure/codec.js';
import { erasure } from '../../src/erasure/index.js';
import { jsKernel } from '../../src/erasure/kernel-js.js';
import { createWorkerPool } from '../../src/erasure/pool.js';
import { memoryStorage, setLogger } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { lossPatterns } from '../support/erasure.js';
import { faulty } from '../support/faulty.js';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
// minBytes 0: every operation with at least two pages per worker is split, so small shapes exercise it
const pool = createWorkerPool({ size: 3, minBytes: 0 });
afterAll(() => pool.close());

describe('worker pool', () => {
  it('splits encode and reconstruct of arena shards across workers, byte-exact with the js codec', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 8 * 1024, max: 40 * 1024 }),
        fc.integer(),
        async (k, m, size, seed) => {
          const rs = createCodec({ dataShards: k, parityShards: m });
          const reference = createCodec({ dataShards: k, parityShards: m, kernel: jsKernel });
          const arena = rs.allocate(k + m, size);
          try {
            const shards = arena.shards;
            expect(shards[0]!.buffer).toBeInstanceOf(SharedArrayBuffer);
            shards.slice(0, k).forEach((s, i) => {
              s.set(pseudoRandomBytes(size, seed + i));
            });
            await pool.encode(rs, shards.slice(0, k), shards.slice(k));
            const expected = [...shards.slice(0, k), ...reference.encode(shards.slice(0, k))].map((s) =>
              s.slice(),
            );
            shards.forEach((s, i) => {
              expect(same(s, expected[i]!)).toBe(true);
            });
            const patterns = [...lossPatterns(k + m, m)].filter((p) => p.length === m);
            for (const lost of patterns.slice(0, 6)) {
              for (const i of lost) shards[i]!.fill(0x3c);
              await pool.reconstruct(
                rs,
                shards,
                shards.map((_, i) => !lost.includes(i)),
              );
              shards.forEach((s, i) => {
                if (!same(s, expected[i]!)) expect.fail(`shard ${i} differs after losing ${lost}`);
              });
            }
          } finally {
            arena.release();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('computes ordinary buffers and small operations on the calling thread, with the same result', async () => {
    const rs = createCodec({ dataShards: 4, parityShards: 2 });
    const data = Array.from({ length: 4 }, (_, i) => pseudoRandomBytes(50_000, i + 9));
    const parity = [new Uint8Array(50_000), new Uint8Array(50_000)];
    await pool.encode(rs, data, parity);
    expect(parity.every((p, i) => same(p, rs.encode(data)[i]!))).toBe(true);
    const rebuilt = await pool.reconstruct(rs, [undefined, data[1], undefined, data[3], ...parity]);
    expect(same(rebuilt[0]!, data[0]!) && same(rebuilt[2]!, data[2]!)).toBe(true);
  });

  it('stays byte-exact when more arenas than a worker keeps take turns, and when workers lag behind', async () => {
    const own = createWorkerPool({ size: 2, minBytes: 0 });
    const rs = createCodec({ dataShards: 3, parityShards: 2 });
    const reference = createCodec({ dataShards: 3, parityShards: 2, kernel: jsKernel });
    // more arenas than KEPT_INSTANCES, all held at once, so each worker evicts and re-attaches them
    const arenas = Array.from({ length: 7 }, (_, a) => rs.allocate(5, 300_000 + a * 4096));
    // a worker that fails after the calling thread did all the work is only logged: catch that too
    const warnings: string[] = [];
    setLogger((event) => {
      if (event.level === 'warn') warnings.push(`${event.message} ${JSON.stringify(event.fields)}`);
    });
    try {
      // arena 0 every other time, the others in turn: hits, evictions and re-attachments mixed
      for (let round = 0; round < 2; round++) {
        for (let turn = 0; turn < 24; turn++) {
          const a = turn % 2 ? 1 + ((turn >> 1) % 6) : 0;
          const arena = arenas[a]!;
          const data = arena.shards.slice(0, 3);
          data.forEach((s, i) => {
            s.set(pseudoRandomBytes(s.byteLength, round * 1000 + turn * 10 + i));
          });
          // a few operations start back to back, so late replies of one meet the next generation
          await own.encode(rs, data, arena.shards.slice(3));
          const expected = reference.encode(data);
          arena.shards.slice(3).forEach((p, i) => {
            if (!same(p, expected[i]!)) expect.fail(`arena ${a}, turn ${turn}: parity ${i} differs`);
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // late replies
      expect(warnings).toEqual([]);
    } finally {
      setLogger(undefined);
      for (const arena of arenas) arena.release();
      await own.close();
    }
  });

  it('hashes MD5 sessions on workers, in order, from shared and ordinary buffers alike', async () => {
    const arena = createCodec({ dataShards: 2, parityShards: 1 }).allocate(1, 300_000);
    const bytes = pseudoRandomBytes(300_000, 5);
    arena.shards[0]!.set(bytes);
    const sessions = [pool.md5(), pool.md5(), pool.md5(), pool.md5()];
    await Promise.all(
      sessions.map(async (session, s) => {
        for (let offset = 0; offset < bytes.byteLength; offset += 70_000 + s) {
          const end = Math.min(offset + 70_000 + s, bytes.byteLength);
          await session.update(s % 2 ? arena.shards[0]!.subarray(offset, end) : bytes.subarray(offset, end));
        }
      }),
    );
    const expected = createHash('md5').update(bytes).digest('hex');
    expect(await Promise.all(sessions.map((s) => s.digest()))).toEqual(Array(4).fill(expected));
    arena.release();
  });

  it('refuses a size below 1', () => {
    expect(() => createWorkerPool({ size: 0 })).toThrow(/size ≥ 1/);
  });

  it('keeps working on the calling thread after close()', async () => {
    const own = createWorkerPool({ size: 2, minBytes: 0 });
    const rs = createCodec({ dataShards: 2, parityShards: 1 });
    const arena = rs.allocate(3, 64 * 1024);
    arena.shards[0]!.set(pseudoRandomBytes(64 * 1024, 1));
    await own.encode(rs, arena.shards.slice(0, 2), arena.shards.slice(2));
    const parity = arena.shards[2]!.slice();
    await own.close();
    arena.shards[2]!.fill(0);
    await own.encode(rs, arena.shards.slice(0, 2), arena.shards.slice(2));
    expect(same(arena.shards[2]!, parity)).toBe(true);
    const session = own.md5();
    await session.update(new Uint8Array([1, 2, 3]));
    expect(await session.digest()).toBe(
      createHash('md5')
        .update(new Uint8Array([1, 2, 3]))
        .digest('hex'),
    );
    arena.release();
  });

  it('never keeps the process alive: a script that uses a pool and never closes it exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-pool-'));
    try {
      const script = join(dir, 'script.mts');
      const src = (file: string) =>
        JSON.stringify(new URL(`../../src/erasure/${file}`, import.meta.url).href);
      await writeFile(
        script,
        [
          `import { createCodec } from ${src('codec.ts')};`,
          `import { createWorkerPool } from ${src('pool.ts')};`,
          'const pool = createWorkerPool({ size: 2, minBytes: 0 });',
          'const rs = createCodec({ dataShards: 4, parityShards: 2 });',
          'const arena = rs.allocate(6, 1 << 20);',
          'await pool.encode(rs, arena.shards.slice(0, 4), arena.shards.slice(4));',
          "console.log('encoded');",
        ].join('\n'),
      );
      const started = Date.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        timeout: 60_000, // a hung pool never exits; a loaded machine can take long to start tsx
      });
      expect(stdout.trim()).toBe('encoded');
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('erasure({ workers })', () => {
  it('writes and reads large blocks through the pool byte-exact, with the MD5 ETag, while 2 ports fail', async () => {
    const calls = { encode: 0, reconstruct: 0, md5: 0 };
    const counting = createWorkerPool({ size: 2 });
    const spy = new Proxy(counting, {
      get(target, prop, receiver) {
        if (prop in calls) calls[prop as keyof typeof calls]++;
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const ports = Array.from({ length: 6 }, () => faulty(memoryStorage()));
    // 8 MiB blocks: each block's encode and rebuild is split across the workers
    const port = erasure(ports, { parity: 2, blockSize: 8 * 1024 * 1024, hedgeAfterMs: 30, workers: spy });
    expect(port.pool).toBe(spy);
    const bytes = pseudoRandomBytes(20 * 1024 * 1024 + 333, 11);
    const put = await port.put('big', bytes);
    expect(put.etag).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(calls.md5).toBe(1);
    expect(calls.encode).toBe(3);
    ports[0]!.fault = 'throw';
    ports[2]!.fault = 'throw';
    const got = await (await port.get('big')).bytes();
    expect(same(got, bytes)).toBe(true);
    expect(calls.reconstruct).toBe(2); // the two full blocks; the 4 MiB tail is rebuilt on this thread
    await port.close(); // a pool of the caller's stays open
    await counting.encode(
      createCodec({ dataShards: 1, parityShards: 1 }),
      [new Uint8Array(4)],
      [new Uint8Array(4)],
    );
    await counting.close();
  }, 30_000);

  it('starts its own pool with workers: true and stops it in close()', async () => {
    const port = erasure(
      Array.from({ length: 3 }, () => memoryStorage()),
      { parity: 1, workers: true },
    );
    const bytes = pseudoRandomBytes(3 * 1024 * 1024 + 5, 2);
    expect((await port.put('k', bytes)).etag).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(same(await (await port.get('k')).bytes(), bytes)).toBe(true);
    await port.close();
    // after close() the port still works, computing on this thread
    await port.put('k2', bytes);
    expect(same(await (await port.get('k2')).bytes(), bytes)).toBe(true);
  });
});
