/**
 * Datasets benchmark: upload, single-datapoint get, range read and aggregation over the file
 * adapter, s3rver and Ceph RGW, each against the raw port operation on the same bytes.
 *
 *   npm run bench:datasets                         # 5 rounds per value
 *   BENCH_ROUNDS=3 BENCH_RGW=0 npx tsx bench/datasets.ts   # a quick look without Ceph
 *
 * There is no peer row: datas3t is a Go server with PostgreSQL and is not installable here.
 * s3rver ignores conditional writes, so its port is told to claim them (one writer: no race to lose).
 * Each value is the median of the rounds. Progress goes to stderr, the markdown table to stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aggregate,
  type DatapointInput,
  type Dataset,
  datasets,
  get,
  range,
  tarBytes,
  uploadDatarange,
} from '../src/datasets/index.js';
import {
  fileStorage,
  instrumented,
  type PutOptions,
  type StoragePort,
  s3Storage,
} from '../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const POINT = 64 * KIB;
const POINTS = 160; // a 10 MiB datarange
const GETS = 50;
const AGG_SOURCES = 3;
const AGG_POINTS = 100; // 3 sources of 6.3 MiB: every one is copied server-side on S3

interface Row {
  target: string;
  uploadMiBs: number;
  rawPutMiBs: number;
  getMs: number;
  rawGetMs: number;
  requestsPerGet: number;
  rangeMiBs: number;
  aggMiBs: number;
  aggClientBytes: number;
  aggBytes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (line: string) => process.stderr.write(`${line}\n`);

function points(first: number, count: number): DatapointInput[] {
  return Array.from({ length: count }, (_, i) => {
    const body = new Uint8Array(POINT);
    body.fill((first + i) % 251);
    return { n: first + i, ext: 'bin', body };
  });
}

function tarOf(first: number, count: number): Uint8Array {
  return tarBytes(
    points(first, count).map((p) => ({
      name: `${String(p.n).padStart(20, '0')}.${p.ext}`,
      body: p.body as Uint8Array,
    })),
  );
}

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await run();
  return [performance.now() - started, value];
}

async function measure(target: string, port: StoragePort): Promise<Row> {
  const counted = instrumented(port);
  const catalog = datasets(counted);
  const ds = await catalog.create(`bench${Date.now()}`);
  const upload: number[] = [];
  const rawPut: number[] = [];
  const single: number[] = [];
  const rawGet: number[] = [];
  const requests: number[] = [];
  const ranged: number[] = [];
  const aggRate: number[] = [];
  const aggClient: number[] = [];
  let aggBytes = 0;
  let next = 1;
  for (let round = 0; round < ROUNDS; round++) {
    log(`${target}: round ${round + 1}/${ROUNDS}`);
    const tar = tarOf(next, POINTS);
    // Alternate which goes first (AB BA ...) so that drift and write-back hit both alike.
    const ours = async () =>
      upload.push(tar.length / MIB / ((await timed(() => uploadDatarange(ds, tar)))[0] / 1000));
    const raw = async () =>
      rawPut.push(
        tar.length / MIB / ((await timed(() => port.put(`bench-raw/${round}.tar`, tar)))[0] / 1000),
      );
    if (round % 2 === 0) await ours().then(raw);
    else await raw().then(ours);

    await port.put(`bench-raw/point-${round}`, new Uint8Array(POINT));
    await get(ds, next); // loads the index once
    counted.reset();
    for (let i = 0; i < GETS; i++) {
      const n = next + ((i * 37) % POINTS);
      single.push((await timed(() => get(ds, n)))[0]);
      rawGet.push((await timed(async () => (await port.get(`bench-raw/point-${round}`)).bytes()))[0]);
    }
    requests.push(counted.usage().requests / GETS);

    const reader = datasets(port).open(ds.name);
    const [rangeMs, bytes] = await timed(async () => {
      let total = 0;
      for await (const p of range(reader, next, next + POINTS - 1)) total += p.body.length;
      return total;
    });
    ranged.push(bytes / MIB / (rangeMs / 1000));
    next += POINTS;

    const first = next;
    for (let s = 0; s < AGG_SOURCES; s++) await uploadDatarange(ds, tarOf(next + s * AGG_POINTS, AGG_POINTS));
    next += AGG_SOURCES * AGG_POINTS;
    counted.reset();
    const [aggMs, result] = await timed(() => aggregate(ds, first, next - 1));
    aggBytes = result.datarange.size;
    aggRate.push(aggBytes / MIB / (aggMs / 1000));
    const usage = counted.usage();
    aggClient.push(usage.bytesIn + usage.bytesOut);
  }
  await cleanup(port, ds);
  return {
    target,
    uploadMiBs: median(upload),
    rawPutMiBs: median(rawPut),
    getMs: median(single),
    rawGetMs: median(rawGet),
    requestsPerGet: median(requests),
    rangeMiBs: median(ranged),
    aggMiBs: median(aggRate),
    aggClientBytes: median(aggClient),
    aggBytes,
  };
}

async function cleanup(port: StoragePort, ds: Dataset): Promise<void> {
  const keys: string[] = [];
  for (const prefix of [`datas3t/${ds.name}/`, 'bench-raw/']) {
    for await (const e of port.list({ prefix })) if (e.type === 'object') keys.push(e.key);
  }
  await port.deleteMany(keys);
}

function s3Port(server: S3Server): StoragePort {
  const port = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...(server.name === 's3rver' ? { listApi: 'v1' as const } : {}),
  });
  if (server.name !== 's3rver') return port;
  // s3rver ignores conditions and the adapter refuses to send them there: drop them (one writer).
  return Object.assign(Object.create(port) as StoragePort, {
    capabilities: async () => ({ ...(await port.capabilities()), conditionalWrites: true }),
    put: (key: string, body: Parameters<StoragePort['put']>[1], options: PutOptions = {}) => {
      const { ifMatch: _m, ifNoneMatch: _n, ...rest } = options;
      return port.put(key, body, rest);
    },
  });
}

function table(rows: Row[]): string {
  const f = (x: number, digits = 1) => x.toFixed(digits);
  const lines = [
    `Datasets benchmark (${ROUNDS} rounds, medians; ${cpus().length} cores, Node ${process.version}). ` +
      'Peer: none: datas3t is a Go server on PostgreSQL, not installable here.',
    '',
    '| target | upload MiB/s | raw put MiB/s | ratio (goal ≥ 0.9) | get 64 KiB ms | raw get ms | ratio (goal ≤ 1.2) | requests/get | range MiB/s | aggregate MiB/s | aggregate bytes through client |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${f(r.uploadMiBs)} | ${f(r.rawPutMiBs)} | ${f(r.uploadMiBs / r.rawPutMiBs, 2)} | ${f(r.getMs, 2)} | ${f(r.rawGetMs, 2)} | ${f(r.getMs / r.rawGetMs, 2)} | ${f(r.requestsPerGet, 2)} | ${f(r.rangeMiBs)} | ${f(r.aggMiBs)} | ${(r.aggClientBytes / KIB).toFixed(0)} KiB of ${(r.aggBytes / MIB).toFixed(1)} MiB |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'bk-bench-ds-'));
  try {
    rows.push(await measure('file', fileStorage(dir)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const s3rver = await startS3rver('bench');
  try {
    rows.push(await measure('s3rver', s3Port(s3rver)));
  } finally {
    await s3rver.stop();
  }
  if (process.env.BENCH_RGW !== '0') {
    const rgw = await startCephRgw('bench');
    try {
      rows.push(await measure('ceph-rgw', s3Port(rgw)));
    } finally {
      await rgw.stop();
    }
  }
  process.stdout.write(`${table(rows)}\n`);
}

await main();
