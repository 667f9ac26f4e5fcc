/**
 * Storage benchmark: PUT/GET/LIST throughput of every port, and the s3 adapter against raw
 * @aws-sdk/client-s3 calls on the same server in the same run (the adapter must stay within 5 %).
 *
 *   npm run bench                                      # 7 rounds of ~400 ms per measurement, ~3 min
 *   BENCH_ROUNDS=3 BENCH_ROUND_MS=200 npm run bench   # a quick look
 *
 * Progress goes to stderr; the markdown report to stdout. Each value is the median of the rounds;
 * adapter and raw rounds alternate (AB BA AB ...) so that drift and noise hit both alike, and the
 * ratio is the median of the per-round ratios (each adapter round against the raw round next to it).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fileStorage, memoryStorage, type StoragePort, s3Storage } from '../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 7);
const ROUND_MS = positiveInt(process.env.BENCH_ROUND_MS, 400);
const SMALL_SIZE = 4 * KIB;
const LARGE_SIZE = 16 * MIB;
/** Distinct small keys written and read in turn. */
const SMALL_KEYS = 256;
/** Large objects per round: bounded, since Ceph's memstore keeps overwritten data in RAM until GC. */
const LARGE_OPS = 3;
const LARGE_KEYS = 2;
const LIST_KEYS = 2000;
const LIST_PAGE = 1000;
const IN_FLIGHT = 16;
const TARGET_RATIO = 0.95;

// ---------- what is measured: one interface over the port and over the raw SDK ----------

/** The three operations the benchmark times, implemented by the adapter and by raw SDK calls alike. */
interface Target {
  put(key: string, body: Uint8Array): Promise<void>;
  /** Reads the whole object; resolves to its size. */
  get(key: string): Promise<number>;
  /** Lists every key under the prefix; resolves to how many there were. */
  list(prefix: string): Promise<number>;
}

function portTarget(port: StoragePort): Target {
  return {
    async put(key, body) {
      await port.put(key, body);
    },
    async get(key) {
      return (await (await port.get(key)).bytes()).byteLength;
    },
    async list(prefix) {
      let count = 0;
      for await (const _ of port.list({ prefix, pageSize: LIST_PAGE })) count++;
      return count;
    },
  };
}

function rawTarget(client: S3Client, bucket: string, listApi: 'v1' | 'v2'): Target {
  return {
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async get(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body ? (await out.Body.transformToByteArray()).byteLength : 0;
    },
    list: (prefix) =>
      listApi === 'v2' ? rawListV2(client, bucket, prefix) : rawListV1(client, bucket, prefix),
  };
}

async function rawListV2(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: LIST_PAGE,
        ContinuationToken: token,
      }),
    );
    count += page.Contents?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return count;
}

async function rawListV1(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: LIST_PAGE, Marker: marker }),
    );
    const contents = page.Contents ?? [];
    count += contents.length;
    marker = page.IsTruncated ? (page.NextMarker ?? contents[contents.length - 1]?.Key) : undefined;
  } while (marker);
  return count;
}

/** A raw client built exactly as src/storage/s3/client.ts `createClient` builds the adapter's. */
function rawS3Client(server: S3Server): S3Client {
  const maxSockets = 64;
  return new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    }),
  });
}

// ---------- workloads ----------

interface Workload {
  name: string;
  unit: 'ops/s' | 'MiB/s' | 'listings/s';
  inFlight: number;
  /** Caps the operations in one round (large objects); otherwise a round lasts ROUND_MS. */
  maxOps: number;
  /** Runs operation number `i`, writing under `own` (private to this side) or reading shared data. */
  run(target: Target, i: number, own: string): Promise<void>;
}

const smallBody = randomBytes(SMALL_SIZE);
const largeBody = randomBytes(LARGE_SIZE);

function smallPut(inFlight: number): Workload {
  return {
    name: `PUT 4 KiB, ${inFlight === 1 ? 'sequential' : `${inFlight} in flight`}`,
    unit: 'ops/s',
    inFlight,
    maxOps: Number.POSITIVE_INFINITY,
    run: (target, i, own) => target.put(`${own}small/${i % SMALL_KEYS}`, smallBody),
  };
}

function smallGet(inFlight: number): Workload {
  return {
    name: `GET 4 KiB, ${inFlight === 1 ? 'sequential' : `${inFlight} in flight`}`,
    unit: 'ops/s',
    inFlight,
    maxOps: Number.POSITIVE_INFINITY,
    run: (target, i) => expectSize(target.get(`bench/small/${i % SMALL_KEYS}`), SMALL_SIZE),
  };
}

const WORKLOADS: Workload[] = [
  smallPut(1),
  smallPut(IN_FLIGHT),
  smallGet(1),
  smallGet(IN_FLIGHT),
  {
    name: `LIST ${LIST_KEYS} keys, pages of ${LIST_PAGE}`,
    unit: 'listings/s',
    inFlight: 1,
    maxOps: Number.POSITIVE_INFINITY,
    run: (target) => expectSize(target.list('bench/list/'), LIST_KEYS),
  },
  {
    name: 'PUT 16 MiB',
    unit: 'MiB/s',
    inFlight: 1,
    maxOps: LARGE_OPS,
    run: (target, i, own) => target.put(`${own}large/${i % LARGE_KEYS}`, largeBody),
  },
  {
    name: 'GET 16 MiB',
    unit: 'MiB/s',
    inFlight: 1,
    maxOps: LARGE_OPS,
    run: (target, i) => expectSize(target.get(`bench/large/${i % LARGE_KEYS}`), LARGE_SIZE),
  },
];

async function expectSize(size: Promise<number>, expected: number): Promise<void> {
  const actual = await size;
  if (actual !== expected) throw new Error(`expected ${expected} bytes or keys, got ${actual}`);
}

/** Writes what the GET and LIST workloads read, `IN_FLIGHT` at a time. */
async function seed(target: Target): Promise<void> {
  await inParallel(SMALL_KEYS, (i) => target.put(`bench/small/${i}`, smallBody));
  await inParallel(LIST_KEYS, (i) => target.put(`bench/list/${String(i).padStart(5, '0')}`, smallBody));
  for (let i = 0; i < LARGE_KEYS; i++) await target.put(`bench/large/${i}`, largeBody);
}

// ---------- timing ----------

/** One client under test and the prefix it writes under (adapter and raw never share objects). */
interface Side {
  target: Target;
  own: string;
}

/** Runs `task(i)` for i = 0, 1, ... with `inFlight` workers until `more(i)` says stop. */
async function pool(inFlight: number, more: (i: number) => boolean, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (more(next)) await task(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return next;
}

function inParallel(count: number, task: (i: number) => Promise<void>): Promise<number> {
  return pool(IN_FLIGHT, (i) => i < count, task);
}

/** Client CPU (user + system, µs) per operation of each round, by side: the adapter's own cost. */
const cpuPerOp = new Map<Side, number[]>();

/** One round on one side: the workload's throughput in its unit (and its CPU per op, kept aside). */
async function measure(workload: Workload, side: Side, budgetMs: number): Promise<number> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + budgetMs;
  const ops = await pool(
    workload.inFlight,
    (i) => i < workload.maxOps && (i === 0 || performance.now() < deadline),
    (i) => workload.run(side.target, i, side.own),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (!cpuPerOp.has(side)) cpuPerOp.set(side, []);
  cpuPerOp.get(side)!.push((used.user + used.system) / Math.max(ops, 1));
  return workload.unit === 'MiB/s' ? (ops * LARGE_SIZE) / MIB / seconds : ops / seconds;
}

/** Every side's throughput for ROUNDS rounds, after a warm-up; the side going first alternates. */
async function measureRounds(workload: Workload, sides: Side[]): Promise<number[][]> {
  for (const side of sides) await measure(workload, side, ROUND_MS / 2);
  const values = sides.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = sides.map((_, s) => s);
    if (round % 2 === 1) order.reverse();
    for (const s of order) values[s]!.push(await measure(workload, sides[s]!, ROUND_MS));
  }
  return values;
}

// ---------- subjects: the rows of the table ----------

interface Subject {
  port: string;
  adapter: Side;
  raw?: Side;
}

interface Row {
  port: string;
  workload: Workload;
  adapter: number[];
  raw: number[];
  /** Client CPU µs per operation, per round. */
  adapterCpu: number[];
  rawCpu: number[];
}

async function benchSubject(subject: Subject): Promise<Row[]> {
  const sides = subject.raw ? [subject.adapter, subject.raw] : [subject.adapter];
  const rows: Row[] = [];
  for (const workload of WORKLOADS) {
    progress(`${subject.port}: ${workload.name}`);
    cpuPerOp.clear();
    const [adapter = [], raw = []] = await measureRounds(workload, sides);
    // the first entry per side is the warm-up round
    const cpuOf = (side: Side | undefined) => (side ? (cpuPerOp.get(side) ?? []).slice(1) : []);
    rows.push({
      port: subject.port,
      workload,
      adapter,
      raw,
      adapterCpu: cpuOf(subject.adapter),
      rawCpu: cpuOf(subject.raw),
    });
  }
  return rows;
}

async function benchLocal(port: string, storage: StoragePort): Promise<Row[]> {
  const target = portTarget(storage);
  progress(`${port}: seeding`);
  await seed(target);
  return benchSubject({ port, adapter: { target, own: 'bench/put/' } });
}

async function benchFile(durable: boolean): Promise<Row[]> {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-'));
  try {
    return await benchLocal(`file (durable: ${durable})`, fileStorage(root, { durable }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function benchS3(port: string, start: () => Promise<S3Server>, listApi: 'v1' | 'v2'): Promise<Row[]> {
  progress(`${port}: starting`);
  const server = await start();
  const client = rawS3Client(server);
  const adapter = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    listApi,
  });
  try {
    const raw = rawTarget(client, server.bucket, listApi);
    progress(`${port}: seeding`);
    await seed(raw);
    return await benchSubject({
      port,
      adapter: { target: portTarget(adapter), own: 'bench/put-adapter/' },
      raw: { target: raw, own: 'bench/put-raw/' },
    });
  } finally {
    await adapter.close?.();
    client.destroy();
    await server.stop();
  }
}

// ---------- report ----------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median, with half the min-max spread of the rounds as a percentage of it. */
function formatValue(values: number[], unit: Workload['unit']): string {
  if (values.length === 0) return '—';
  const mid = median(values);
  const spread = ((Math.max(...values) - Math.min(...values)) / 2 / mid) * 100;
  const digits = mid >= 100 ? 0 : 1;
  const number = mid.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${number} ${unit} ±${spread.toFixed(0)}%`;
}

/** The median of per-round ratios: each adapter round is paired with the raw round run next to it. */
function formatRatio(row: Row): string {
  if (row.raw.length === 0) return '—';
  const ratio = median(row.adapter.map((value, round) => value / row.raw[round]!));
  return ratio < TARGET_RATIO ? `**${ratio.toFixed(2)}**` : ratio.toFixed(2);
}

function table(rows: Row[]): string {
  const lines = [
    '| port | operation | adapter | raw SDK | ratio | client CPU per op, adapter / raw |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.port} | ${row.workload.name} | ${formatValue(row.adapter, row.workload.unit)} | ${formatValue(row.raw, row.workload.unit)} | ${formatRatio(row)} | ${formatCpu(row)} |`,
    ),
  ];
  return lines.join('\n');
}

/** Median client CPU per op of each side, and their ratio: what the adapter itself costs, whatever the server does. */
function formatCpu(row: Row): string {
  const mine = median(row.adapterCpu);
  if (row.rawCpu.length === 0) return `${mine.toFixed(0)} µs`;
  const raw = median(row.rawCpu);
  return `${mine.toFixed(0)} / ${raw.toFixed(0)} µs = ${(mine / raw).toFixed(2)}`;
}

function machine(): string {
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- cpu: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
    `- node: ${process.version} (${process.platform} ${process.arch})`,
    `- rounds: ${ROUNDS} × ${ROUND_MS} ms per measurement (16 MiB: at most ${LARGE_OPS} objects per round), median shown, ± is half the min-max spread`,
  ].join('\n');
}

// ---------- main ----------

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  }
  return bytes;
}

function progress(message: string): void {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  // BENCH_ONLY=ceph (or memory, file, s3rver): run only the groups whose name contains it
  const only = process.env.BENCH_ONLY?.toLowerCase();
  const groups: [string, () => Promise<Row[]>][] = [
    ['memory', () => benchLocal('memory', memoryStorage())],
    ['file durable', () => benchFile(true)],
    ['file', () => benchFile(false)],
    ['s3rver', () => benchS3('s3 on s3rver', () => startS3rver(), 'v1')],
    ['ceph', () => benchS3('s3 on Ceph RGW', () => startCephRgw(), 'v2')],
  ];
  const rows: Row[] = [];
  for (const [name, run] of groups) if (!only || name.includes(only)) rows.push(...(await run()));
  const minutes = ((performance.now() - started) / 60000).toFixed(1);
  const ratioNote = `ratio = adapter / raw SDK throughput, median of the per-round ratios; **bold** below ${TARGET_RATIO} (more than 5 % overhead)`;
  process.stdout.write(`${machine()}\n- total run: ${minutes} min\n- ${ratioNote}\n\n${table(rows)}\n`);
}

await main();
