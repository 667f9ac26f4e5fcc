/**
 * Gateway benchmark: the bucketkit gateway over the file adapter against s3rver and Ceph RGW, all
 * driven by the same @aws-sdk/client-s3 client in the same run.
 *
 *   npx tsx bench/gateway.ts                       # ~2 s per measurement
 *   BENCH_MS=500 npx tsx bench/gateway.ts          # a quick look
 *   BENCH_SKIP_CEPH=1 npx tsx bench/gateway.ts     # without Ceph RGW
 *
 * Measures 4 KiB PUT and GET requests per second (sequential and 32 in flight) and 64 MiB PUT and
 * GET throughput. The file adapter runs with `durable: false` (no fsync), as s3rver and Ceph's
 * memstore do not sync either. Progress goes to stderr, the markdown table to stdout.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createGateway, folderBuckets } from '../src/gateway/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const BENCH_MS = Number(process.env.BENCH_MS ?? 2000);
const SMALL = new Uint8Array(4 * KIB).fill(7);
const LARGE = new Uint8Array(64 * MIB).fill(9);
const IN_FLIGHT = 32;

interface Row {
  name: string;
  putSeq: number;
  getSeq: number;
  putPar: number;
  getPar: number;
  putLarge: number;
  getLarge: number;
}

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

/** Runs `op` from `workers` loops for BENCH_MS; returns operations per second. */
async function rate(workers: number, op: (i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + BENCH_MS;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; performance.now() < end; i += workers) {
        await op(i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function measure(server: S3Server): Promise<Row> {
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
  for (let i = 0; i < 256; i++) await put(i);
  process.stderr.write(`${server.name}: small requests\n`);
  const row: Row = {
    name: server.name,
    putSeq: await rate(1, put),
    getSeq: await rate(1, get),
    putPar: await rate(IN_FLIGHT, put),
    getPar: await rate(IN_FLIGHT, get),
    putLarge: 0,
    getLarge: 0,
  };
  process.stderr.write(`${server.name}: 64 MiB objects\n`);
  row.putLarge =
    (await rate(1, async (i) => {
      await s3.send(new PutObjectCommand({ Bucket, Key: `large/${i % 2}`, Body: LARGE }));
    })) * 64;
  row.getLarge =
    (await rate(1, async (i) => {
      const out = await s3.send(new GetObjectCommand({ Bucket, Key: `large/${i % 2}` }));
      let size = 0;
      for await (const chunk of out.Body as AsyncIterable<Uint8Array>) size += chunk.byteLength;
      if (size !== LARGE.byteLength) throw new Error(`short read: ${size}`);
    })) * 64;
  s3.destroy();
  return row;
}

async function startBucketkit(): Promise<S3Server> {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-gateway-'));
  const buckets = folderBuckets(root, { durable: false });
  await buckets.create('bench');
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
  const listening = await createGateway({ buckets, credentials: [credentials] }).listen(0);
  return {
    name: 'bucketkit gateway (file)',
    endpoint: listening.endpoint,
    ...credentials,
    bucket: 'bench',
    async stop() {
      await listening.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '–');

async function main(): Promise<void> {
  const rows: Row[] = [];
  const starters: [string, () => Promise<S3Server>][] = [
    ['gateway', startBucketkit],
    ['s3rver', () => startS3rver('bench')],
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
  const cols: [keyof Row, string][] = [
    ['putSeq', '4 KiB PUT req/s (1)'],
    ['getSeq', '4 KiB GET req/s (1)'],
    ['putPar', `4 KiB PUT req/s (${IN_FLIGHT})`],
    ['getPar', `4 KiB GET req/s (${IN_FLIGHT})`],
    ['putLarge', '64 MiB PUT MiB/s'],
    ['getLarge', '64 MiB GET MiB/s'],
  ];
  const out = [
    `Gateway benchmark — ${cpus().length} CPUs, Node ${process.version}, ${BENCH_MS} ms per measurement`,
    '',
    `| measure | ${rows.map((r) => r.name).join(' | ')} | gateway ÷ s3rver | gateway ÷ Ceph |`,
    `|---|${rows.map(() => '---:').join('|')}|---:|---:|`,
    ...cols.map(
      ([k, label]) =>
        `| ${label} | ${rows.map((r) => fmt(r[k] as number)).join(' | ')} | ${ratio(gateway[k] as number, s3rver?.[k] as number | undefined)} | ${ratio(gateway[k] as number, ceph?.[k] as number | undefined)} |`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
