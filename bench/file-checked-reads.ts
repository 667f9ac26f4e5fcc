/**
 * The file port's checked reads: large writes and ranged reads of data files, this build against a
 * peer build of the file port (`PEER_SRC`, e.g. a checkout of the commit before block checksums) in
 * the same process, operations interleaved one by one (AB BA AB ...) so the machine's load falls on
 * both alike. A round takes the median time per operation of each side; each figure is the median of
 * the rounds, the ratio the median of the per-round ratios (ours / peer throughput: above 1 is faster).
 *
 *   mkdir -p .tmp/peer && git archive b9563af src | tar -x -C .tmp/peer
 *   PEER_SRC=.tmp/peer/src npx tsx bench/file-checked-reads.ts
 *   ROUNDS=3 ROUND_MS=300 BIG=1 PEER_SRC=.tmp/peer/src npx tsx bench/file-checked-reads.ts
 *
 * `BIG=1` adds a 1 GiB object (its ranged reads widen to its 1 MiB checksum groups). Writes are not
 * durable (no fsync), so the figures show the CPU the port spends, not the disk's flush.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StoragePort } from '../src/storage/index.js';
import { fileStorage } from '../src/storage/index.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ROUND_MS = Number(process.env.ROUND_MS ?? 400);
const OBJECT = 64 * MIB;
/** The lake's segments aim at 2 MiB (`DEFAULT_TARGET_BYTES`). */
const SEGMENT = 2 * MIB;
const WRITE = 32 * MIB;
const RANGES = [4 * KIB, 64 * KIB, 256 * KIB, MIB];

type FileStorage = (root: string, options?: { durable?: boolean }) => StoragePort;

interface Case {
  name: string;
  /** Bytes moved per operation. */
  bytes: number;
  run: (port: StoragePort) => Promise<void>;
}

/** A deterministic generator: the same offsets for both builds. */
function offsets(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

function ranged(key: string, size: number, length: number): Case {
  const next = offsets(length);
  return {
    name: `ranged ${length / KIB} KiB of ${size / MIB} MiB`,
    bytes: length,
    run: async (port) => {
      const start = next() % (size - length);
      const got = await (await port.get(key, { range: { start, end: start + length - 1 } })).bytes();
      if (got.byteLength !== length) throw new Error('short read');
    },
  };
}

function cases(payload: Uint8Array, big: boolean): Case[] {
  const chunked = async function* () {
    for (let at = 0; at < WRITE; at += 64 * KIB) yield payload.subarray(at, at + 64 * KIB);
  };
  return [
    {
      name: `put ${WRITE / MIB} MiB (one buffer)`,
      bytes: WRITE,
      run: (p) => put(p, payload.subarray(0, WRITE)),
    },
    { name: `put ${WRITE / MIB} MiB (64 KiB chunks)`, bytes: WRITE, run: (p) => put(p, chunked()) },
    ...RANGES.map((length) => ranged('segment', SEGMENT, length)),
    ...RANGES.map((length) => ranged('object', OBJECT, length)),
    {
      name: `whole ${OBJECT / MIB} MiB`,
      bytes: OBJECT,
      run: async (p) => void (await (await p.get('object')).bytes()),
    },
    ...(big ? RANGES.map((length) => ranged('big', 1024 * MIB, length)) : []),
  ];
}

const put = async (port: StoragePort, body: Uint8Array | AsyncIterable<Uint8Array>) =>
  void (await port.put('written', body));

/**
 * Per-operation times of `c` on both ports, interleaved operation by operation (AB BA AB ...) for at
 * least `ROUND_MS` each side: the median per side ignores the stalls a loaded machine adds to a few.
 */
async function round(ports: Record<Side, StoragePort>, c: Case): Promise<Record<Side, number>> {
  const times: Record<Side, number[]> = { ours: [], peer: [] };
  const start = performance.now();
  for (let i = 0; performance.now() - start < 2 * ROUND_MS || i < 6; i++) {
    const order: Side[] = i % 2 === 0 ? ['peer', 'ours'] : ['ours', 'peer'];
    for (const side of order) {
      const t = performance.now();
      await c.run(ports[side]);
      times[side].push(performance.now() - t);
    }
  }
  return { ours: median(times.ours), peer: median(times.peer) };
}

type Side = 'ours' | 'peer';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function main(): Promise<void> {
  const peerSrc = process.env.PEER_SRC;
  if (!peerSrc) throw new Error('set PEER_SRC to the src folder of the build to compare with');
  const peer = (await import(resolve(peerSrc, 'storage/index.ts'))) as { fileStorage: FileStorage };
  const big = process.env.BIG === '1';
  const dir = await mkdtemp(join(tmpdir(), 'bk-checked-reads-'));
  try {
    const payload = new Uint8Array(OBJECT).map((_, i) => (i * 2654435761) >>> 24);
    const ports = {
      ours: fileStorage(join(dir, 'ours'), { durable: false }),
      peer: peer.fileStorage(join(dir, 'peer'), { durable: false }),
    };
    for (const port of Object.values(ports)) {
      await port.put('object', payload);
      await port.put('segment', payload.subarray(0, SEGMENT));
      if (big)
        await port.put(
          'big',
          (async function* () {
            for (let i = 0; i < 16; i++) yield payload;
          })(),
        );
    }
    console.log('| case | peer (MB/s) | ours (MB/s) | ours / peer | load |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const c of cases(payload, big)) {
      const seen: Record<Side, number[]> = { ours: [], peer: [] };
      const ratios: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const ms = await round(ports, c);
        seen.ours.push(ms.ours);
        seen.peer.push(ms.peer);
        ratios.push(ms.peer / ms.ours);
      }
      const mbs = (ms: number[]) => (c.bytes / median(ms) / 1e3).toFixed(0);
      console.log(
        `| ${c.name} | ${mbs(seen.peer)} | ${mbs(seen.ours)} | ${median(ratios).toFixed(3)} | ${loadavg()[0]!.toFixed(2)} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
