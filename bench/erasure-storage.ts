/**
 * erasure() over six folders against one plain folder: PUT and GET MiB/s of 64 MiB objects, same run,
 * with and without a worker pool (`workers: true`: the object ETag hashed off the main thread).
 * Goal (issue: erasure): erasure at most 1.5× slower than the plain file port.
 *
 * Three clocks per figure: elapsed time; CPU time of the process (all threads); and main-thread busy
 * time (event-loop utilization), the one a worker pool relieves. On a shared machine the CPU clocks
 * move less with other load than elapsed time does.
 *
 *   npx tsx bench/erasure-storage.ts            # 7 rounds (3 GETs each); BENCH_ROUNDS=N to change
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { erasure } from '../src/erasure/index.js';
import { fileStorage, type StoragePort } from '../src/index.js';
import { generatedStream, pseudoRandomBytes } from '../src/testing/index.js';

const MIB = 1024 * 1024;
const SIZE = 64 * MIB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const GETS_PER_ROUND = 3;

const CLOCKS = ['wall', 'cpu', 'main'] as const;
type Clock = (typeof CLOCKS)[number];
type Times = Record<Clock, number>;

/** Milliseconds of elapsed time, process CPU time and main-thread busy time that `run` took. */
async function timeIt(run: () => Promise<unknown>): Promise<Times> {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  await run();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    wall,
    cpu: (used.user + used.system) / 1000,
    main: performance.eventLoopUtilization(elu).active,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const per = (amount: number, t: Times): Times => ({
  wall: amount / (t.wall / 1000),
  cpu: amount / (t.cpu / 1000),
  main: amount / (t.main / 1000),
});

async function measure(port: StoragePort, round: number) {
  const key = `bench/${round}`;
  const put = await timeIt(() => port.put(key, generatedStream(SIZE).stream));
  // a 64 MiB GET takes ~30-70 ms: three back to back per round make one figure less jumpy
  const get = await timeIt(async () => {
    for (let i = 0; i < GETS_PER_ROUND; i++) {
      for await (const _ of (await port.get(key)).body as unknown as AsyncIterable<Uint8Array>) {
      }
    }
  });
  const small = pseudoRandomBytes(4096, round);
  const smallPut = await timeIt(async () => {
    for (let i = 0; i < 100; i++) await port.put(`small/${i}`, small);
  });
  await port.delete(key);
  return {
    put: per(SIZE / MIB, put),
    get: per((GETS_PER_ROUND * SIZE) / MIB, get),
    smallPut: per(100, smallPut),
  };
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-erasure-'));
  try {
    const plain = fileStorage(join(root, 'plain'));
    const disks = (name: string) =>
      Array.from({ length: 6 }, (_, i) => fileStorage(join(root, `${name}${i}`)));
    const striped = erasure(disks('disk'), { parity: 2 });
    const pooled = erasure(disks('pooled'), { parity: 2, workers: true });
    const ports: [string, StoragePort][] = [
      ['file', plain],
      ['erasure', striped],
      ['erasure, workers', pooled],
    ];
    type Ops = 'put' | 'get' | 'smallPut';
    const rows = new Map(
      ports.map(([name]) => [name, { put: [], get: [], smallPut: [] } as Record<Ops, Times[]>]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...ports].reverse() : ports;
      for (const [name, port] of order) {
        const result = await measure(port, round);
        const row = rows.get(name)!;
        row.put.push(result.put);
        row.get.push(result.get);
        row.smallPut.push(result.smallPut);
        process.stderr.write(`round ${round + 1}/${ROUNDS} ${name}: ${JSON.stringify(result)}\n`);
      }
    }
    await pooled.close();
    const cell = (name: string, op: Ops, clock: Clock) => median(rows.get(name)![op].map((t) => t[clock]));
    const line = (label: string, unit: string, op: Ops, clock: Clock) => {
      const file = cell('file', op, clock);
      const ec = cell('erasure', op, clock);
      const ecw = cell('erasure, workers', op, clock);
      const f = (x: number) => `${x.toFixed(0)} ${unit}`;
      return `| ${label} | ${f(file)} | ${f(ec)} | ${(file / ec).toFixed(2)}× | ${f(ecw)} | ${(file / ecw).toFixed(2)}× |`;
    };
    const out = [
      `erasure 4+2 over 6 file ports vs 1 file port — ${new Date().toISOString()}, ${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}, kernel ${striped.codec.kernel}, load average ${loadavg()[0]!.toFixed(2)}, medians of ${ROUNDS} rounds`,
    ];
    const titles: Record<Clock, string> = {
      wall: 'By elapsed time',
      cpu: 'By CPU time of the process (all threads)',
      main: 'By main-thread busy time (event-loop utilization)',
    };
    for (const clock of CLOCKS) {
      out.push(
        '',
        `${titles[clock]}:`,
        '',
        '| operation | file | erasure 4+2 | slower by | erasure 4+2, workers | slower by |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        line('PUT 64 MiB (stream)', 'MiB/s', 'put', clock),
        line('GET 64 MiB (stream)', 'MiB/s', 'get', clock),
        line('PUT 4 KiB, sequential', 'ops/s', 'smallPut', clock),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
