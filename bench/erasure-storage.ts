/**
 * erasure() over six folders against one plain folder: PUT and GET MiB/s of 64 MiB objects, same run.
 * Goal (issue: erasure): erasure at most 1.5× slower than the plain file port.
 *
 *   npx tsx bench/erasure-storage.ts            # 5 rounds; BENCH_ROUNDS=N to change
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { erasure } from '../src/erasure/index.js';
import { fileStorage, type StoragePort } from '../src/index.js';
import { generatedStream, pseudoRandomBytes } from '../src/testing/index.js';

const MIB = 1024 * 1024;
const SIZE = 64 * MIB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(port: StoragePort, round: number) {
  const key = `bench/${round}`;
  const put = await timeIt(() => port.put(key, generatedStream(SIZE).stream));
  const get = await timeIt(async () => {
    for await (const _ of (await port.get(key)).body as unknown as AsyncIterable<Uint8Array>) {
    }
  });
  const small = pseudoRandomBytes(4096, round);
  const smallPut = await timeIt(async () => {
    for (let i = 0; i < 100; i++) await port.put(`small/${i}`, small);
  });
  await port.delete(key);
  return {
    put: SIZE / MIB / (put / 1000),
    get: SIZE / MIB / (get / 1000),
    smallPut: 100 / (smallPut / 1000),
  };
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-erasure-'));
  try {
    const plain = fileStorage(join(root, 'plain'));
    const striped = erasure(
      Array.from({ length: 6 }, (_, i) => fileStorage(join(root, `disk${i}`))),
      { parity: 2 },
    );
    const rows: Record<string, { put: number[]; get: number[]; smallPut: number[] }> = {
      file: { put: [], get: [], smallPut: [] },
      erasure: { put: [], get: [], smallPut: [] },
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order: [string, StoragePort][] =
        round % 2
          ? [
              ['erasure', striped],
              ['file', plain],
            ]
          : [
              ['file', plain],
              ['erasure', striped],
            ];
      for (const [name, port] of order) {
        const result = await measure(port, round);
        rows[name]!.put.push(result.put);
        rows[name]!.get.push(result.get);
        rows[name]!.smallPut.push(result.smallPut);
        process.stderr.write(`round ${round + 1}/${ROUNDS} ${name}: ${JSON.stringify(result)}\n`);
      }
    }
    const line = (label: string, unit: string, pick: 'put' | 'get' | 'smallPut') => {
      const file = median(rows.file![pick]);
      const ec = median(rows.erasure![pick]);
      return `| ${label} | ${file.toFixed(0)} ${unit} | ${ec.toFixed(0)} ${unit} | ${(file / ec).toFixed(2)}× |`;
    };
    const out = [
      `erasure 4+2 over 6 file ports vs 1 file port — ${new Date().toISOString()}, ${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}, kernel ${striped.codec.kernel}, medians of ${ROUNDS} rounds`,
      '',
      '| operation | file | erasure 4+2 | erasure slower by |',
      '| --- | ---: | ---: | ---: |',
      line('PUT 64 MiB (stream)', 'MiB/s', 'put'),
      line('GET 64 MiB (stream)', 'MiB/s', 'get'),
      line('PUT 4 KiB, sequential', 'ops/s', 'smallPut'),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
