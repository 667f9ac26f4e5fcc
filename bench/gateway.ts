/**
 * Gateway benchmark: the bucketkit gateway over the file adapter against s3rver and Ceph RGW, all
 * driven by the same clients in the same run.
 *
 *   npx tsx bench/gateway.ts                       # ~2 min: 2 s per measurement
 *   BENCH_MS=500 npx tsx bench/gateway.ts          # a quick look
 *   BENCH_SKIP_CEPH=1 npx tsx bench/gateway.ts     # without Ceph RGW
 *   BENCH_CLIENTS=light BENCH_SERVERS=gateway,s3rver BENCH_REPEAT=3 npx tsx bench/gateway.ts
 *   BENCH_PROFILE=/tmp/prof npx tsx bench/gateway.ts   # gateway processes write .cpuprofile files there
 *
 * BENCH_CLIENTS: sdk,light (default both); BENCH_SERVERS:
 * gateway,gateway-versioned,gateway-durable,gateway-memory,gateway-memory-versioned,s3rver,ceph,bare (default
 * all but gateway-memory-versioned); BENCH_REPEAT: runs
 * per measurement, the median is shown (default 1); BENCH_MEASURES:
 * putSeq,getSeq,putPar,getPar,listSeq,versionsSeq,putLarge,getLarge (default all).
 *
 * `gateway-versioned` is the first gateway with versioning enabled on its bucket: every PUT keeps a
 * version (so the 4 KiB PUTs pile up versions of 256 keys), and the list rows page through those keys
 * with ListObjectsV2 and ListObjectVersions (1000 per page).
 *
 * Measures 4 KiB PUT and GET requests per second (sequential and 32 in flight) and 64 MiB PUT and
 * GET throughput, with two clients: `@aws-sdk/client-s3`, and a light one that sends one SigV4-signed
 * node:http request per call over keep-alive (bucketkit's lean signer). The SDK spends so much CPU per
 * request that it caps every server's rate on a small machine; the light client shows more of the
 * servers' own speed. Every server runs in a process of its own (bench/gateway-server.ts; Ceph
 * RGW in its own daemons), so none shares the client's event loop, and the child's CPU time per
 * request is read from /proc. A bare node:http server that stores nothing shows each client's
 * ceiling. The gateway is measured over the file adapter with `durable: false` (no fsync, as s3rver
 * and Ceph's memstore do not sync either) and with the default `durable: true`. Progress goes to
 * stderr, the markdown tables to stdout.
 */

import { cpus, loadavg } from 'node:os';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startCephRgw } from '../test/support/servers.js';
import { type BenchServer, startChild } from './child-server.js';
import { type ClientKind, clientFor, sdkClient } from './clients.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const BENCH_MS = Number(process.env.BENCH_MS ?? 2000);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const ONLY = process.env.BENCH_MEASURES?.split(',');
const PROFILE_DIR = process.env.BENCH_PROFILE;
const SMALL = new Uint8Array(4 * KIB).fill(7);
const LARGE = new Uint8Array(64 * MIB).fill(9);
const IN_FLIGHT = 32;

type Measure =
  | 'putSeq'
  | 'getSeq'
  | 'putPar'
  | 'getPar'
  | 'listSeq'
  | 'versionsSeq'
  | 'putLarge'
  | 'getLarge';

/** Per measure: requests per second (MiB/s for the large ones) and server CPU ms per request. */
interface Row {
  name: string;
  rate: Partial<Record<Measure, number>>;
  cpu: Partial<Record<Measure, number>>;
}

/** A benchmark server; `cpuMs` reads its process's CPU time (user + system) when it runs as our child. */

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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function measure(server: BenchServer, kind: ClientKind): Promise<Row> {
  const client = clientFor(kind, server);
  const key = (i: number) => `small/${i % 256}`;
  const put = (i: number) => client.put(key(i), SMALL);
  const get = async (i: number) => {
    const size = await client.get(key(i));
    if (size !== SMALL.byteLength) throw new Error(`short read: ${size}`);
  };
  const row: Row = { name: server.name, rate: {}, cpu: {} };
  const run = async (measure: Measure, workers: number, op: (i: number) => Promise<void>, scale = 1) => {
    if (ONLY && !ONLY.includes(measure)) return;
    const runs = [];
    for (let r = 0; r < REPEAT; r++) runs.push(await rate(server, workers, op));
    row.rate[measure] = median(runs.map((r) => r.perSecond)) * scale;
    const cpu = runs.flatMap((r) => (r.cpuMs === undefined || Number.isNaN(r.cpuMs) ? [] : [r.cpuMs]));
    if (cpu.length > 0) row.cpu[measure] = median(cpu);
  };
  for (let i = 0; i < 256; i++) await put(i);
  process.stderr.write(`${server.name}, ${kind} client: small requests\n`);
  await run('putSeq', 1, put);
  await run('getSeq', 1, get);
  await run('putPar', IN_FLIGHT, put);
  await run('getPar', IN_FLIGHT, get);
  if (!server.smallOnly) {
    process.stderr.write(`${server.name}, ${kind} client: listings of 256 keys\n`);
    await run('listSeq', 1, async () => {
      if ((await client.list(false)) === 0) throw new Error('empty listing');
    });
    await run('versionsSeq', 1, async () => {
      if ((await client.list(true)) === 0) throw new Error('empty version listing');
    });
    process.stderr.write(`${server.name}, ${kind} client: 64 MiB objects\n`);
    const putLarge = (i: number) => client.put(`large/${i % 2}`, LARGE);
    // the PUTs wrote large/0 first whatever their count
    const getLarge = async () => {
      const size = await client.get('large/0');
      if (size !== LARGE.byteLength) throw new Error(`short read: ${size}`);
    };
    await run('putLarge', 1, putLarge, 64);
    await run('getLarge', 1, getLarge, 64);
  }
  client.close();
  return row;
}

const fmt = (n: number | undefined) => (n === undefined ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b ? `${(a / b).toFixed(2)}×` : '–';

const loads = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

const MEASURES: [Measure, string, string][] = [
  ['putSeq', '4 KiB PUT req/s (1)', '4 KiB PUT (1)'],
  ['getSeq', '4 KiB GET req/s (1)', '4 KiB GET (1)'],
  ['putPar', `4 KiB PUT req/s (${IN_FLIGHT})`, `4 KiB PUT (${IN_FLIGHT})`],
  ['getPar', `4 KiB GET req/s (${IN_FLIGHT})`, `4 KiB GET (${IN_FLIGHT})`],
  ['listSeq', 'ListObjectsV2 of 256 keys req/s (1)', 'ListObjectsV2 (1)'],
  ['versionsSeq', 'ListObjectVersions of 256 keys req/s (1)', 'ListObjectVersions (1)'],
  ['putLarge', '64 MiB PUT MiB/s', '64 MiB PUT'],
  ['getLarge', '64 MiB GET MiB/s', '64 MiB GET'],
];

const CLIENT_TITLES: Record<ClientKind, string> = {
  sdk: 'Client: @aws-sdk/client-s3',
  light: 'Client: light (a signed node:http request per call, keep-alive)',
};

/** The rate and server CPU tables of one client; ratios compare the first row with s3rver and Ceph. */
function tables(kind: ClientKind, rows: Row[]): string[] {
  const [gateway, s3rver, ceph] = [
    rows[0]!,
    rows.find((r) => r.name === 's3rver'),
    rows.find((r) => /ceph/i.test(r.name)),
  ];
  const cpu = (row: Row, m: Measure) => {
    const ms = row.cpu[m];
    return ms === undefined ? '–' : ms.toFixed(ms >= 10 ? 0 : 2);
  };
  return [
    `### ${CLIENT_TITLES[kind]}`,
    '',
    `| measure | ${rows.map((r) => r.name).join(' | ')} | gateway ÷ s3rver | gateway ÷ Ceph |`,
    `|---|${rows.map(() => '---:').join('|')}|---:|---:|`,
    ...MEASURES.map(
      ([m, label]) =>
        `| ${label} | ${rows.map((r) => fmt(r.rate[m])).join(' | ')} | ${ratio(gateway.rate[m], s3rver?.rate[m])} | ${ratio(gateway.rate[m], ceph?.rate[m])} |`,
    ),
    '',
    `| server CPU ms per request | ${rows.map((r) => r.name).join(' | ')} | s3rver ÷ gateway |`,
    `|---|${rows.map(() => '---:').join('|')}|---:|`,
    ...MEASURES.map(
      ([m, , label]) =>
        `| ${label} | ${rows.map((r) => cpu(r, m)).join(' | ')} | ${ratio(s3rver?.cpu[m], gateway.cpu[m])} |`,
    ),
    '',
  ];
}

async function main(): Promise<void> {
  const loadBefore = loads();
  const clients = (process.env.BENCH_CLIENTS ?? 'sdk,light').split(',') as ClientKind[];
  const wanted = (
    process.env.BENCH_SERVERS ?? 'gateway,gateway-versioned,gateway-durable,gateway-memory,s3rver,ceph,bare'
  ).split(',');
  const servers = wanted.filter((s) => !(s === 'ceph' && process.env.BENCH_SKIP_CEPH));
  const rows = new Map<ClientKind, Row[]>(clients.map((c) => [c, []]));
  for (const label of servers) {
    let server: BenchServer;
    try {
      server = label === 'ceph' ? await startCephRgw('bench') : await startChild(label, PROFILE_DIR);
    } catch (err) {
      process.stderr.write(`${label} did not start: ${(err as Error).message}\n`);
      continue;
    }
    try {
      if (label === 'ceph') {
        const s3 = sdkClient(server);
        await s3.send(new CreateBucketCommand({ Bucket: server.bucket })).catch(() => {});
        s3.destroy();
      }
      for (const kind of clients) rows.get(kind)!.push(await measure(server, kind));
    } finally {
      await server.stop();
    }
  }
  const out = [
    `Gateway benchmark — ${cpus().length} CPUs, Node ${process.version}, ${BENCH_MS} ms per measurement` +
      `${REPEAT > 1 ? ` (median of ${REPEAT})` : ''}, load average ${loadBefore} before, ${loads()} after; ` +
      'each server in its own process; ratios use the first row',
    '',
    'Server CPU time per request is user + system time of the server process, all threads (lower is',
    'better; Ceph RGW runs outside this process tree and is not measured). Unlike requests per second, it',
    "depends far less on the machine's load. The bare node:http server stores nothing: its rates are the",
    "client's ceiling.",
    '',
    ...clients.flatMap((kind) => tables(kind, rows.get(kind)!)),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
