/**
 * Erasure codec benchmark: encode and reconstruct throughput, one thread, 1 MiB shards, for our
 * WebAssembly and TypeScript kernels and for the native addon @ronomon/reed-solomon.
 *
 *   npm run bench:erasure                                        # 7 rounds of ~300 ms per value
 *   BENCH_ROUNDS=3 BENCH_ROUND_MS=150 npm run bench:erasure     # a quick look
 *   BUCKETKIT_RELAXED_SIMD=0 npm run bench:erasure               # Node 20 without relaxed SIMD
 *
 * Throughput counts data bytes (k × shard size per operation), in GB/s (10^9 bytes). Reconstruct loses
 * the first m data shards and rebuilds them from the other k shards: `reconstruct` through our codec's
 * API, which allocates the m rebuilt shards on every call, and `reconstruct in place`, the same API given
 * buffers for the lost shards (`reconstruct(shards, valid)`), as @ronomon always does (for @ronomon both rows are the same
 * operation, measured twice). @ronomon runs in libuv's
 * threadpool; the benchmark keeps exactly one call in flight, so it computes on one thread too. Every
 * round measures all implementations in turn (the order alternates between rounds), each value is the
 * median over the rounds, and the ratio is the median of the per-round ratios. Rates are reported by
 * elapsed time and by the process's CPU time, which other load on a shared machine disturbs less.
 * Progress goes to stderr, the markdown report to stdout.
 *
 * `zero-copy` is our codec on shards allocated in the kernel's own memory (`codec.allocate`), so encode
 * and reconstruct copy nothing. The second table runs 8 MiB objects through a worker pool (its default:
 * the calling thread plus `os.availableParallelism() − 1` workers, one thread per core), next to the same
 * operation on one thread and @ronomon on one thread; there the elapsed-time table is the one that
 * counts (CPU time adds up every thread).
 */

import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { createCodec } from '../src/erasure/codec.js';
import type { GfKernel } from '../src/erasure/kernel.js';
import { jsKernel } from '../src/erasure/kernel-js.js';
import { wasmKernels } from '../src/erasure/kernel-wasm.js';
import { createWorkerPool, type WorkerPool } from '../src/erasure/pool.js';

const SHARD = 1024 * 1024;
/** Objects of the worker-pool rows: 8 MiB of data, split into k shards (rounded up to 4 KiB). */
const POOL_OBJECT = 8 * 1024 * 1024;
const SHAPES = [
  [4, 2],
  [8, 3],
  [10, 4],
] as const;
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 7);
const ROUND_MS = positiveInt(process.env.BENCH_ROUND_MS, 300);

/** One operation on prepared shards; `check` proves once, before timing, that it computes the right bytes. */
interface Bench {
  encode(): void | Promise<void>;
  reconstruct(): void | Promise<void>;
  reconstructInPlace(): void | Promise<void>;
  check(): Promise<void>;
}

const OPS = [
  ['encode', 'encode'],
  ['reconstruct', 'reconstruct'],
  ['reconstructInPlace', 'reconstruct in place'],
] as const;

/** The slice of @ronomon/reed-solomon's API that is used (it ships no types). */
interface Ronomon {
  MAX_K: number;
  MAX_M: number;
  create(k: number, m: number): unknown;
  encode(
    context: unknown,
    sources: number,
    targets: number,
    buffer: Buffer,
    bufferOffset: number,
    bufferSize: number,
    parity: Buffer,
    parityOffset: number,
    paritySize: number,
    callback: (error: Error | undefined) => void,
  ): void;
}

const ronomon = createRequire(import.meta.url)('@ronomon/reed-solomon') as Ronomon;

function randomShard(seed: number, size = SHARD): Uint8Array {
  const words = new Uint32Array(size / 4);
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Our codec with a given kernel: encode into preallocated parity; reconstruct returns new shards. */
function oursBench(kernel: GfKernel, k: number, m: number): Bench {
  const rs = createCodec({ dataShards: k, parityShards: m, kernel });
  const data = Array.from({ length: k }, (_, i) => randomShard(i + 1));
  const parity = Array.from({ length: m }, () => new Uint8Array(SHARD));
  rs.encode(data, parity);
  const full = [...data, ...parity];
  const damaged = () => full.map((s, i) => (i < m ? undefined : s));
  // the codec's in-place form: buffers for the lost shards are given, and flagged invalid
  const buffers = full.map((shard, i) => (i < m ? new Uint8Array(SHARD) : shard));
  const valid = full.map((_, i) => i >= m);
  return {
    encode: () => void rs.encode(data, parity),
    reconstruct: () => void rs.reconstruct(damaged()),
    reconstructInPlace: () => void rs.reconstruct([...buffers], valid),
    async check() {
      const reference = createCodec({ dataShards: k, parityShards: m, kernel: jsKernel }).encode(data);
      if (!parity.every((p, i) => equal(p, reference[i]!)))
        throw new Error(`${kernel.name}: parity differs from js`);
      const whole = rs.reconstruct(damaged());
      if (!whole.every((s, i) => equal(s, full[i]!))) throw new Error(`${kernel.name}: reconstruct is wrong`);
      const inPlace = rs.reconstruct([...buffers], valid);
      if (!inPlace.every((s, i) => equal(s, full[i]!))) throw new Error(`${kernel.name}: in place is wrong`);
    },
  };
}

/**
 * Our codec on shards allocated in the kernel's memory (`codec.allocate`): no copies in or out. Its
 * reconstruct is always in place (the arena holds every shard), so both reconstruct rows measure that.
 * With a pool, the same operations split across its worker threads.
 */
function zeroCopyBench(kernel: GfKernel, k: number, m: number, shard = SHARD, pool?: WorkerPool): Bench {
  const rs = createCodec({ dataShards: k, parityShards: m, kernel });
  const arena = rs.allocate(k + m, shard);
  const shards = arena.shards;
  shards.slice(0, k).forEach((s, i) => {
    s.set(randomShard(i + 1, shard));
  });
  const data = shards.slice(0, k);
  const parity = shards.slice(k);
  const valid = shards.map((_, i) => i >= m);
  const encode = () => (pool ? pool.encode(rs, data, parity).then(() => {}) : void rs.encode(data, parity));
  const reconstruct = () =>
    pool ? pool.reconstruct(rs, shards, valid).then(() => {}) : void rs.reconstruct(shards, valid);
  return {
    encode,
    reconstruct,
    reconstructInPlace: reconstruct,
    async check() {
      await encode();
      const reference = createCodec({ dataShards: k, parityShards: m, kernel: jsKernel }).encode(data);
      if (!parity.every((p, i) => equal(p, reference[i]!))) throw new Error('zero-copy: parity differs');
      const original = shards.map((s) => s.slice());
      for (let i = 0; i < m; i++) shards[i]!.fill(0);
      await reconstruct();
      if (!shards.every((s, i) => equal(s, original[i]!))) throw new Error('zero-copy: reconstruct is wrong');
    },
  };
}

/** @ronomon/reed-solomon: data shards contiguous in one buffer, parity shards in another. */
function ronomonBench(k: number, m: number, shard = SHARD): Bench {
  const context = ronomon.create(k, m);
  const buffer = Buffer.alloc(k * shard);
  for (let i = 0; i < k; i++) buffer.set(randomShard(i + 1, shard), i * shard);
  const parity = Buffer.alloc(m * shard);
  const bits = (from: number, to: number) => {
    let mask = 0;
    for (let i = from; i < to; i++) mask |= 1 << i;
    return mask;
  };
  const run = (sources: number, targets: number) =>
    new Promise<void>((resolve, reject) => {
      ronomon.encode(context, sources, targets, buffer, 0, k * shard, parity, 0, m * shard, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  // Lose data shards 0..m-1; the other k data and parity shards are the sources.
  const lost = bits(0, m);
  const encode = () => run(bits(0, k), bits(k, k + m));
  const reconstruct = () => run(bits(m, k + m), lost);
  return {
    encode,
    reconstruct,
    reconstructInPlace: reconstruct,
    async check() {
      await encode();
      const original = Buffer.from(buffer);
      buffer.fill(0, 0, m * shard);
      await reconstruct();
      if (!buffer.equals(original)) throw new Error('@ronomon: reconstruct is wrong');
    },
  };
}

/** Operations per second, by elapsed time and by this process's CPU time (all threads). */
interface Rate {
  wall: number;
  cpu: number;
}
const CLOCKS = ['wall', 'cpu'] as const;

/** How fast `op` runs back to back for about `ms` milliseconds. */
async function rate(op: () => void | Promise<void>, ms: number): Promise<Rate> {
  let count = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    const pending = op();
    if (pending) await pending;
    count++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (count * 1000) / elapsed, cpu: (count * 1e6) / (cpu.user + cpu.system) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Rounds of every op over `benches` (in alternating order); rows of GB/s and the ratios first / last. */
async function measureRows(
  label: string,
  benches: Bench[],
  dataBytes: number,
  ratioOf: number[],
  rows: Record<(typeof CLOCKS)[number], string[]>,
): Promise<void> {
  for (const bench of benches) await bench.check();
  for (const [op, opLabel] of OPS) {
    const samples = benches.map((): Rate[] => []);
    for (const bench of benches) await rate(bench[op], ROUND_MS / 2); // warm-up and JIT tier-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = benches.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const i of order) samples[i]!.push(await rate(benches[i]![op], ROUND_MS));
      process.stderr.write(`${label} ${opLabel} round ${round + 1}/${ROUNDS}\n`);
    }
    for (const clock of CLOCKS) {
      const cells = samples.map((s) => (median(s.map((r) => r[clock])) * dataBytes) / 1e9);
      const ratios = ratioOf.map((b) =>
        median(samples[b]!.map((r, round) => r[clock] / samples.at(-1)![round]![clock])),
      );
      rows[clock].push(
        `| ${label} | ${opLabel} | ${cells.map((c) => c.toFixed(2)).join(' | ')} | ${ratios.map((r) => `${r.toFixed(2)}×`).join(' | ')} |`,
      );
    }
  }
}

function printTables(
  rows: Record<(typeof CLOCKS)[number], string[]>,
  names: string[],
  ratios: string[],
  what: string,
): void {
  for (const clock of CLOCKS) {
    console.log('');
    console.log(
      clock === 'wall'
        ? `${what}, by elapsed time:`
        : `${what}, by CPU time of the process, all threads (less sensitive to other load on a shared machine):`,
    );
    console.log('');
    console.log(`| shape | op | ${[...names.map((n) => `${n} GB/s`), ...ratios].join(' | ')} |`);
    console.log(`|---|---|${[...names, ...ratios].map(() => '---:|').join('')}`);
    for (const row of rows[clock]) console.log(row);
  }
}

async function main(): Promise<void> {
  const kernels = [...wasmKernels(), jsKernel];
  const ours = kernels[0]!;
  const zeroCopy = wasmKernels()[0];
  const names = [
    ...kernels.map((kernel) => kernel.name),
    ...(zeroCopy ? [`${zeroCopy.name} zero-copy`] : []),
    '@ronomon',
  ];
  const ratioNames = [`${ours.name} / @ronomon`, ...(zeroCopy ? ['zero-copy / @ronomon'] : [])];
  const pool = createWorkerPool();
  const load = loadavg()[0]!.toFixed(2);
  const rows = { wall: [] as string[], cpu: [] as string[] };
  const poolRows = { wall: [] as string[], cpu: [] as string[] };
  for (const [k, m] of SHAPES) {
    if (k > ronomon.MAX_K || m > ronomon.MAX_M)
      throw new Error(`@ronomon supports k ≤ 24, m ≤ 6 (${k}+${m})`);
    const benches = [
      ...kernels.map((kernel) => oursBench(kernel, k, m)),
      ...(zeroCopy ? [zeroCopyBench(zeroCopy, k, m)] : []),
      ronomonBench(k, m),
    ];
    await measureRows(`${k}+${m}`, benches, k * SHARD, zeroCopy ? [0, benches.length - 2] : [0], rows);
    if (zeroCopy) {
      const shard = Math.ceil(POOL_OBJECT / k / 4096) * 4096;
      const poolBenches = [
        zeroCopyBench(zeroCopy, k, m, shard, pool),
        zeroCopyBench(zeroCopy, k, m, shard),
        ronomonBench(k, m, shard),
      ];
      await measureRows(`${k}+${m}`, poolBenches, k * shard, [0, 1], poolRows);
    }
  }
  await pool.close();
  const cpu = cpus();
  console.log(`Date: ${new Date().toISOString().slice(0, 10)}`);
  console.log(
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, load average ${load} → ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(`${ROUNDS} rounds of ~${ROUND_MS} ms per value; GB/s of data bytes (median).`);
  printTables(rows, names, ratioNames, 'One thread, 1 MiB shards');
  if (zeroCopy) {
    printTables(
      poolRows,
      [
        `pool (caller + ${pool.size} worker${pool.size > 1 ? 's' : ''})`,
        `${zeroCopy.name} zero-copy, 1 thread`,
        '@ronomon, 1 thread',
      ],
      ['pool / @ronomon', 'zero-copy / @ronomon'],
      'Worker pool vs one thread, 8 MiB objects (k shards of 8 MiB / k)',
    );
  }
}

await main();
