/**
 * Database benchmark: bucketkit/db against the s3db.js npm package on the same S3 servers in one run
 * (s3rver in-process, then Ceph RGW): insert, get, update, list 1k, partition query, count. Prints ops/s
 * and S3 requests per operation for both, and whether each answer was right.
 *
 *   npm run bench:db                       # installs bench/peers (s3db.js) on first use; ~3 min
 *   BENCH_ROUNDS=3 npm run bench:db        # a quick look
 *   BENCH_SERVERS=s3rver npm run bench:db  # one server only
 *
 * Rounds alternate the two libraries (AB BA AB ...); each figure is the median over the rounds.
 */

import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';
import { bucketkitSubject } from './db-bucketkit.js';
import { loadS3db, s3dbSubject } from './db-s3db.js';
import { type DbSubject, RECORDS, recordFor } from './db-subject.js';

const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 5);
const SERVERS = (process.env.BENCH_SERVERS ?? 's3rver,ceph').split(',');

interface Measure {
  name: string;
  /** Runs one round; resolves to how many operations it did and, for counting operations, the answer. */
  run(subject: DbSubject, round: number): Promise<{ ops: number; answer?: number }>;
  /** The right answer of one call, when the operation returns a count. */
  expected?: number;
}

const GETS = 200;
const UPDATES = 100;
const COUNTS = 10;

const measures: Measure[] = [
  {
    name: 'insert',
    async run(subject, round) {
      const from = Math.floor((round * RECORDS) / ROUNDS);
      const to = Math.floor(((round + 1) * RECORDS) / ROUNDS);
      for (let i = from; i < to; i++) await subject.insert(recordFor(i));
      return { ops: to - from };
    },
  },
  {
    name: 'get',
    async run(subject, round) {
      let found = 0;
      for (let i = 0; i < GETS; i++) if (await subject.get(idOf((i * 7 + round * 13) % RECORDS))) found++;
      return { ops: GETS, answer: found };
    },
    expected: GETS,
  },
  {
    name: 'update',
    async run(subject, round) {
      for (let i = 0; i < UPDATES; i++) {
        await subject.update(idOf((i * 11 + round * 17) % RECORDS), { score: round * 1000 + i });
      }
      return { ops: UPDATES };
    },
  },
  { name: 'list 1k', run: async (subject) => ({ ops: 1, answer: await subject.list() }), expected: RECORDS },
  {
    name: 'partition query',
    run: async (subject) => ({ ops: 1, answer: await subject.partitionQuery('US') }),
    expected: RECORDS / 10,
  },
  {
    // one count is a single LIST (10–25 ms): ten per round make a figure that is not one request's noise
    name: 'count',
    async run(subject) {
      const answers = new Set<number>();
      for (let i = 0; i < COUNTS; i++) answers.add(await subject.count());
      return { ops: COUNTS, answer: answers.size === 1 ? [...answers][0]! : -1 };
    },
    expected: RECORDS,
  },
];

function idOf(i: number): string {
  return recordFor(i).id;
}

interface Row {
  server: string;
  op: string;
  opsPerSec: Record<string, number>;
  requestsPerOp: Record<string, number>;
  right: Record<string, boolean>;
}

async function benchServer(server: S3Server, subjects: DbSubject[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const measure of measures) {
    const rates: Record<string, number[]> = {};
    const requests: Record<string, number[]> = {};
    const right: Record<string, boolean> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const subject of order) {
        const before = subject.requests();
        const started = performance.now();
        const { ops, answer } = await measure.run(subject, round);
        const seconds = (performance.now() - started) / 1000;
        push(rates, subject.name, ops / seconds);
        push(requests, subject.name, (subject.requests() - before) / ops);
        const ok = measure.expected === undefined || answer === measure.expected;
        right[subject.name] = (right[subject.name] ?? true) && ok;
      }
    }
    const row: Row = { server: server.name, op: measure.name, opsPerSec: {}, requestsPerOp: {}, right };
    for (const subject of subjects) {
      row.opsPerSec[subject.name] = median(rates[subject.name] ?? []);
      row.requestsPerOp[subject.name] = median(requests[subject.name] ?? []);
    }
    rows.push(row);
    process.stderr.write(`  ${server.name} ${measure.name} done\n`);
  }
  return rows;
}

function push(into: Record<string, number[]>, name: string, value: number): void {
  const list = into[name] ?? [];
  list.push(value);
  into[name] = list;
}

function table(rows: Row[]): string {
  const lines = [
    '| server | operation | bucketkit ops/s | s3db.js ops/s | bucketkit / s3db.js | requests/op bucketkit | requests/op s3db.js | right answer (bk / s3db) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const bk = row.opsPerSec.bucketkit ?? 0;
    const peer = row.opsPerSec['s3db.js'] ?? 0;
    lines.push(
      `| ${row.server} | ${row.op} | ${fmt(bk)} | ${fmt(peer)} | ${(bk / peer).toFixed(2)}× | ${fmt(row.requestsPerOp.bucketkit ?? 0)} | ${fmt(row.requestsPerOp['s3db.js'] ?? 0)} | ${yes(row.right.bucketkit)} / ${yes(row.right['s3db.js'])} |`,
    );
  }
  return lines.join('\n');
}

const yes = (value: boolean | undefined) => (value ? 'yes' : 'NO');

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const S3db = await loadS3db();
  const rows: Row[] = [];
  for (const which of SERVERS) {
    const server = which === 'ceph' ? await startCephRgw() : await startS3rver('bench');
    process.stderr.write(`${server.name}: ${server.endpoint}\n`);
    const run = Date.now().toString(36);
    const subjects = [
      await bucketkitSubject(server, `bk-${run}`),
      await s3dbSubject(S3db, server, `s3db-${run}`),
    ];
    try {
      rows.push(...(await benchServer(server, subjects)));
    } finally {
      for (const subject of subjects) await subject.close();
      await server.stop();
    }
  }
  console.log(
    `bucketkit/db vs s3db.js 21.6.2 — ${new Date().toISOString()}, Node ${process.version}, ${RECORDS} records, medians of ${ROUNDS} rounds\n`,
  );
  console.log(table(rows));
}

await main();
