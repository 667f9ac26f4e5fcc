/**
 * Gateway benchmark: the bucketkit gateway over the file adapter against s3rver and Ceph RGW, all
 * driven by the same @aws-sdk/client-s3 client in the same run.
 *
 *   npx tsx bench/gateway.ts                       # ~2 s per measurement
 *   BENCH_MS=500 npx tsx bench/gateway.ts          # a quick look
 *   BENCH_SKIP_CEPH=1 npx tsx bench/gateway.ts     # without Ceph RGW
 *
 * Measures 4 KiB PUT and GET requests per second (sequential and 32 in flight) and 64 MiB PUT and
 * GET throughput. Every server runs in a process of its own (bench/gateway-server.ts; Ceph RGW in its
 * own daemons), so none shares the client's event loop. The gateway is measured twice: over the file
 * adapter with `durable: false` (no fsync, as s3rver and Ceph's memstore do not sync either) and with
 * the default `durable: true`. Progress goes to stderr, the markdown table to stdout.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type S3Server, startCephRgw } from '../test/support/servers.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const BENCH_MS = Number(process.env.BENCH_MS ?? 2000);
const SMALL = new Uint8Array(4 * KIB).fill(7);
const LARGE = new Uint8Array(64 * MIB).fill(9);
const IN_FLIGHT = 32;

type Measure = 'putSeq' | 'getSeq' | 'putPar' | 'getPar' | 'putLarge' | 'getLarge';

/** Per measure: requests per second (MiB/s for the large ones) and server CPU ms per request. */
interface Row {
  name: string;
  rate: Record<Measure, number>;
  cpu: Partial<Record<Measure, number>>;
}

/** A benchmark server; `cpuMs` reads its process's CPU time (user + system) when it runs as our child. */
type BenchServer = S3Server & { cpuMs?: () => number };

function clientFor(server: S3Server): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // s3rver and Ceph 16 do not understand aws-chunked bodies: the same settings for everyone
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
  });
}

/** Runs `op` from `workers` loops for BENCH_MS; returns operations per second and server CPU per op. */
async function rate(
  server: BenchServer,
  workers: number,
  op: (i: number) => Promise<void>,
): Promise<{ perSecond: number; cpuMs: number | undefined }> {
  const end = performance.now() + BENCH_MS;
  let done = 0;
  const cpuBefore = server.cpuMs?.();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; performance.now() < end; i += workers) {
        await op(i);
        done++;
      }
    }),
  );
  const perSecond = done / ((performance.now() - started) / 1000);
  const cpuAfter = server.cpuMs?.();
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / done;
  return { perSecond, cpuMs };
}

async function measure(server: BenchServer): Promise<Row> {
  const s3 = clientFor(server);
  const Bucket = server.bucket;
  const key = (i: number) => `small/${i % 256}`;
  const put = async (i: number) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: key(i), Body: SMALL }));
  };
  const get = async (i: number) => {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key: key(i) }));
    await out.Body!.transformToByteArray();
  };
  const row: Row = { name: server.name, rate: {} as Row['rate'], cpu: {} };
  const run = async (measure: Measure, workers: number, op: (i: number) => Promise<void>, scale = 1) => {
    const { perSecond, cpuMs } = await rate(server, workers, op);
    row.rate[measure] = perSecond * scale;
    if (cpuMs !== undefined) row.cpu[measure] = cpuMs;
  };
  for (let i = 0; i < 256; i++) await put(i);
  process.stderr.write(`${server.name}: small requests\n`);
  await run('putSeq', 1, put);
  await run('getSeq', 1, get);
  await run('putPar', IN_FLIGHT, put);
  await run('getPar', IN_FLIGHT, get);
  process.stderr.write(`${server.name}: 64 MiB objects\n`);
  const putLarge = async (i: number) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: `large/${i % 2}`, Body: LARGE }));
  };
  const getLarge = async (i: number) => {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key: `large/${i % 2}` }));
    let size = 0;
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) size += chunk.byteLength;
    if (size !== LARGE.byteLength) throw new Error(`short read: ${size}`);
  };
  await run('putLarge', 1, putLarge, 64);
  await run('getLarge', 1, getLarge, 64);
  s3.destroy();
  return row;
}

/** CPU ms (user + system, all threads) of a process, from /proc (Linux). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields from the state on: utime and stime are the 12th and 13th, in clock ticks (100 per second)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Starts `kind` (see bench/gateway-server.ts) in a child process; stopping closes its stdin. */
async function startChild(kind: string): Promise<BenchServer> {
  const script = fileURLToPath(new URL('./gateway-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let line = '';
  for await (const chunk of child.stdout) {
    line += String(chunk);
    if (line.includes('\n')) break;
  }
  if (!line.includes('\n')) throw new Error(`${kind} exited before it listened`);
  const shown = JSON.parse(line) as Omit<S3Server, 'stop'>;
  return {
    ...shown,
    cpuMs: () => (child.pid === undefined ? undefined : processCpuMs(child.pid)) ?? Number.NaN,
    async stop() {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '–');

const loads = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const loadBefore = loads();
  const rows: Row[] = [];
  const starters: [string, () => Promise<S3Server>][] = [
    ['gateway', () => startChild('gateway')],
    ['gateway-durable', () => startChild('gateway-durable')],
    ['s3rver', () => startChild('s3rver')],
  ];
  if (!process.env.BENCH_SKIP_CEPH) starters.push(['ceph', () => startCephRgw('bench')]);
  for (const [label, start] of starters) {
    let server: S3Server;
    try {
      server = await start();
    } catch (err) {
      process.stderr.write(`${label} did not start: ${(err as Error).message}\n`);
      continue;
    }
    try {
      if (label === 'ceph') {
        const s3 = clientFor(server);
        await s3.send(new CreateBucketCommand({ Bucket: server.bucket })).catch(() => {});
        s3.destroy();
      }
      rows.push(await measure(server));
    } finally {
      await server.stop();
    }
  }
  const [gateway, s3rver, ceph] = [
    rows[0]!,
    rows.find((r) => r.name === 's3rver'),
    rows.find((r) => /ceph/i.test(r.name)),
  ];
  const measures: [Measure, string, string][] = [
    ['putSeq', '4 KiB PUT req/s (1)', '4 KiB PUT (1)'],
    ['getSeq', '4 KiB GET req/s (1)', '4 KiB GET (1)'],
    ['putPar', `4 KiB PUT req/s (${IN_FLIGHT})`, `4 KiB PUT (${IN_FLIGHT})`],
    ['getPar', `4 KiB GET req/s (${IN_FLIGHT})`, `4 KiB GET (${IN_FLIGHT})`],
    ['putLarge', '64 MiB PUT MiB/s', '64 MiB PUT'],
    ['getLarge', '64 MiB GET MiB/s', '64 MiB GET'],
  ];
  const cpu = (row: Row, m: Measure) => {
    const ms = row.cpu[m];
    return ms === undefined || Number.isNaN(ms) ? '–' : ms.toFixed(ms >= 10 ? 0 : 2);
  };
  const out = [
    `Gateway benchmark — ${cpus().length} CPUs, Node ${process.version}, ${BENCH_MS} ms per measurement, ` +
      `load average ${loadBefore} before, ${loads()} after; each server in its own process; ratios use the first row`,
    '',
    `| measure | ${rows.map((r) => r.name).join(' | ')} | gateway ÷ s3rver | gateway ÷ Ceph |`,
    `|---|${rows.map(() => '---:').join('|')}|---:|---:|`,
    ...measures.map(
      ([m, label]) =>
        `| ${label} | ${rows.map((r) => fmt(r.rate[m])).join(' | ')} | ${ratio(gateway.rate[m], s3rver?.rate[m])} | ${ratio(gateway.rate[m], ceph?.rate[m])} |`,
    ),
    '',
    'Server CPU time per request in ms (user + system, all threads; lower is better; Ceph RGW runs outside',
    "this process tree and is not measured). Unlike requests per second, this depends far less on the machine's load.",
    '',
    `| server CPU ms per request | ${rows.map((r) => r.name).join(' | ')} | s3rver ÷ gateway |`,
    `|---|${rows.map(() => '---:').join('|')}|---:|`,
    ...measures.map(([m, , label]) => {
      const mine = gateway.cpu[m];
      const theirs = s3rver?.cpu[m];
      return `| ${label} | ${rows.map((r) => cpu(r, m)).join(' | ')} | ${mine && theirs ? `${(theirs / mine).toFixed(2)}×` : '–'} |`;
    }),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
