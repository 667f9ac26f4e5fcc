/**
 * Server CPU per request of gateway configurations against each other, for a shared machine: all
 * servers run at once (each in its own process, bench/gateway-server.ts) and are measured in short
 * alternating bursts, so a swing of the machine's load falls on every server alike. Each round gives
 * each server's CPU per request and its ratio to the first server's; the median of those ratios is
 * the figure to quote (the per-round ratios show the spread).
 *
 *   npx tsx bench/gateway-ab.ts
 *   AB_SERVERS=gateway,gateway-versioned AB_CLIENT=sdk AB_ROUNDS=15 npx tsx bench/gateway-ab.ts
 *
 * AB_SERVERS: kinds of bench/gateway-server.ts, the first the base (default
 * gateway,gateway-versioned); `CHECKOUT:kind` runs another checkout's server (before/after in one
 * run: `git worktree add --detach /tmp/before <commit>`, node_modules copied in); AB_CLIENT: light or sdk (default light); AB_MEASURES:
 * putSeq,putPar,getSeq,getPar,listSeq,versionsSeq (default putSeq,putPar,getSeq,getPar); AB_ROUNDS
 * (default 11); AB_MS per burst (default 500). Markdown to stdout, progress to stderr.
 */
import { loadavg } from 'node:os';
import { type BenchServer, startChild } from './child-server.js';
import { type BenchClient, type ClientKind, clientFor } from './clients.js';

const KINDS = (process.env.AB_SERVERS ?? 'gateway,gateway-versioned').split(',');
const CLIENT = (process.env.AB_CLIENT ?? 'light') as ClientKind;
const MEASURES = (process.env.AB_MEASURES ?? 'putSeq,putPar,getSeq,getPar').split(',');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 11);
const BURST_MS = Number(process.env.AB_MS ?? 500);
const SMALL = new Uint8Array(4 * 1024).fill(7);

type Op = (client: BenchClient, i: number) => Promise<unknown>;
const key = (i: number) => `small/${i % 256}`;
const put: Op = (c, i) => c.put(key(i), SMALL);
const get: Op = async (c, i) => {
  if ((await c.get(key(i))) !== SMALL.byteLength) throw new Error('short read');
};
const OPS: Record<string, { workers: number; op: Op }> = {
  putSeq: { workers: 1, op: put },
  putPar: { workers: 32, op: put },
  getSeq: { workers: 1, op: get },
  getPar: { workers: 32, op: get },
  listSeq: { workers: 1, op: (c) => c.list(false) },
  versionsSeq: { workers: 1, op: (c) => c.list(true) },
};

/** Runs `op` from `workers` loops for one burst; the server's CPU ms per request. */
async function burst(server: BenchServer, client: BenchClient, workers: number, op: Op): Promise<number> {
  const end = performance.now() + BURST_MS;
  let done = 0;
  const before = server.cpuMs!();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; performance.now() < end; i += workers) {
        await op(client, i);
        done++;
      }
    }),
  );
  return (server.cpuMs!() - before) / done;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const started: { server: BenchServer; client: BenchClient }[] = [];
  try {
    for (const kind of KINDS) {
      const server = await startChild(kind);
      const client = clientFor(CLIENT, server);
      started.push({ server, client });
      for (let i = 0; i < 256; i++) await put(client, i);
    }
    const cpu = new Map<string, number[]>();
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
      for (const measure of MEASURES) {
        const { workers, op } = OPS[measure]!;
        for (const [i, { server, client }] of started.entries()) {
          const at = `${measure} ${i}`;
          cpu.set(at, [...(cpu.get(at) ?? []), await burst(server, client, workers, op)]);
        }
      }
      loads.push(loadavg()[0]!);
    }
    const out = [
      `${CLIENT} client, ${ROUNDS} rounds of ${BURST_MS} ms bursts, load average (1 min) ` +
        `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      '',
      '| measure | server | CPU ms per request (median) | ÷ first server (median of rounds) | per round |',
      '|---|---|---:|---:|---|',
    ];
    for (const measure of MEASURES) {
      const base = cpu.get(`${measure} 0`)!;
      started.forEach(({ server }, i) => {
        const own = cpu.get(`${measure} ${i}`)!;
        const ratios = own.map((ms, r) => ms / base[r]!);
        out.push(
          `| ${measure} | ${server.name} | ${median(own).toFixed(3)} | ${median(ratios).toFixed(2)}× | ` +
            `${ratios.map((x) => x.toFixed(2)).join(' ')} |`,
        );
      });
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const { server, client } of started) {
      client.close();
      await server.stop();
    }
  }
}

await main();
