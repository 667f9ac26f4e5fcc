/**
 * Per-operation client CPU of bench/db.ts's operations, one library at a time, on Ceph RGW (out of
 * process, so the process CPU is the client's alone) or s3rver (in process: client + server). On a
 * shared machine wall-clock rates are noisy; CPU per operation is not.
 *
 *   npx tsx bench/db-cpu.ts                      # Ceph RGW, both libraries
 *   BENCH_SERVERS=s3rver npx tsx bench/db-cpu.ts
 *   BENCH_ONLY=bucketkit npx tsx --cpu-prof bench/db-cpu.ts   # profile one library
 */

import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';
import { bucketkitSubject } from './db-bucketkit.js';
import { loadS3db, s3dbSubject } from './db-s3db.js';
import { type DbSubject, RECORDS, recordFor } from './db-subject.js';

const SERVER = process.env.BENCH_SERVERS === 's3rver' ? 's3rver' : 'ceph';
const ONLY = process.env.BENCH_ONLY;

interface Step {
  name: string;
  ops: number;
  run(subject: DbSubject): Promise<unknown>;
}

const steps: Step[] = [
  {
    name: 'insert',
    ops: RECORDS,
    run: async (s) => {
      for (let i = 0; i < RECORDS; i++) await s.insert(recordFor(i));
    },
  },
  {
    name: 'get',
    ops: 300,
    run: async (s) => {
      for (let i = 0; i < 300; i++) await s.get(recordFor((i * 7) % RECORDS).id);
    },
  },
  {
    name: 'update',
    ops: 100,
    run: async (s) => {
      for (let i = 0; i < 100; i++) await s.update(recordFor((i * 11) % RECORDS).id, { score: i });
    },
  },
  { name: 'list 1k', ops: 3, run: async (s) => [await s.list(), await s.list(), await s.list()] },
  {
    name: 'partition query',
    ops: 5,
    run: async (s) => {
      for (let i = 0; i < 5; i++) await s.partitionQuery('US');
    },
  },
  {
    name: 'count',
    ops: 10,
    run: async (s) => {
      for (let i = 0; i < 10; i++) await s.count();
    },
  },
];

async function measure(subject: DbSubject): Promise<void> {
  for (const step of steps) {
    const requests = subject.requests();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await step.run(subject);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `${subject.name.padEnd(10)} ${step.name.padEnd(16)} cpu/op ${(cpuMs / step.ops).toFixed(3).padStart(9)} ms  wall/op ${(wall / step.ops).toFixed(3).padStart(9)} ms  requests/op ${((subject.requests() - requests) / step.ops).toFixed(2)}`,
    );
  }
}

async function main(): Promise<void> {
  const server: S3Server = SERVER === 'ceph' ? await startCephRgw() : await startS3rver('bench');
  const run = Date.now().toString(36);
  try {
    if (ONLY !== 's3db.js') {
      const bk = await bucketkitSubject(server, `bkcpu-${run}`);
      await measure(bk);
      await bk.close();
    }
    if (ONLY !== 'bucketkit') {
      const peer = await s3dbSubject(await loadS3db(), server, `s3dbcpu-${run}`);
      await measure(peer);
      await peer.close();
    }
  } finally {
    await server.stop();
  }
}

await main();
