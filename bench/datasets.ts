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
  buildIndex,
  type DatapointInput,
  type Dataset,
  datasets,
  decodeIndex,
  get,
  range,
  readTar,
  tarBytes,
  uploadDatarange,
} from '../src/datasets/index.js';
import {
  fileStorage,
  type InstrumentedPort,
  instrumented,
  type PutOptions,
  type StoragePort,
  s3Storage,
} from '../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';
import { startChild } from './child-server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const POINT = 64 * KIB;
const POINTS = 160; // a 10 MiB datarange
const GETS = 50;
const UPLOADS = 3; // per round
const encoder = new TextEncoder();
const AGG_SOURCES = 3;
const AGG_POINTS = 100; // 3 sources of 6.3 MiB: every one is copied server-side on S3

interface Row {
  target: string;
  uploadMiBs: number;
  rawPutMiBs: number;
  rawPutMs: number;
  /** A put of a manifest-sized body: what each of an upload's two manifest writes costs at least. */
  smallPutMs: number;
  uploadRatio: number;
  getRatio: number;
  rangedRatio: number;
  callsPerUpload: number;
  getMs: number;
  rawRangedMs: number;
  rawGetMs: number;
  requestsPerGet: number;
  rangeMiBs: number;
  aggMiBs: number;
  agg: AggBytes;
  aggBytes: number;
}

/** What an aggregation moved through the client, by kind (medians). */
interface AggBytes {
  /** Glue parts uploaded with `uploadPart` (spans < 5 MiB, the 1 KiB end-of-archive). */
  glue: number;
  /** Reads: the manifest and the sources' indexes. */
  read: number;
  /** Single PUTs: the new `.index` and the manifest writes. */
  written: number;
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

/** Port calls counted since the last reset (capability probes aside). */
function calls(port: InstrumentedPort): number {
  const ops = port.usage().operations;
  return Object.entries(ops).reduce((sum, [op, s]) => sum + (op === 'capabilities' ? 0 : s.calls), 0);
}

async function measure(target: string, port: StoragePort): Promise<Row> {
  // Ours and the raw baselines go through the same wrapper, so its cost is on both sides.
  const counted = instrumented(port);
  const catalog = datasets(counted);
  const ds = await catalog.create(`bench${Date.now()}`);
  const upload: number[] = [];
  const rawPut: number[] = [];
  const uploadCalls: number[] = [];
  const smallPut: number[] = [];
  // Ratios are taken per pair (per triple for gets), then the median: load on a shared machine
  // drifts between seconds, far less between two back-to-back calls.
  const uploadRatio: number[] = [];
  const getRatio: number[] = [];
  const rangedRatio: number[] = [];
  let tarBytesLength = 0;
  const single: number[] = [];
  const rawRanged: number[] = [];
  const rawGet: number[] = [];
  const requests: number[] = [];
  const ranged: number[] = [];
  const aggRate: number[] = [];
  const aggGlue: number[] = [];
  const aggRead: number[] = [];
  const aggWritten: number[] = [];
  let aggBytes = 0;
  let next = 1;
  for (let round = 0; round < ROUNDS; round++) {
    log(`${target}: round ${round + 1}/${ROUNDS}`);
    // Several uploads per round, each against a raw put, alternating which goes first (AB BA ...)
    // so that drift and write-back hit both alike; a small put of a manifest's size bounds what the
    // two manifest writes of an upload cost.
    let tar: Uint8Array = new Uint8Array(0);
    for (let pair = 0; pair < UPLOADS; pair++) {
      if (pair > 0) next += POINTS;
      tar = tarOf(next, POINTS);
      const body = tar;
      const ours = async () => {
        counted.reset();
        const [ms] = await timed(() => uploadDatarange(ds, body));
        uploadCalls.push(calls(counted));
        upload.push(ms);
      };
      const raw = async () =>
        rawPut.push((await timed(() => counted.put(`bench-raw/${round}-${pair}.tar`, body)))[0]);
      if ((round + pair) % 2 === 0) await ours().then(raw);
      else await raw().then(ours);
      uploadRatio.push(rawPut.at(-1)! / upload.at(-1)!);
      const manifestSized = encoder.encode(
        JSON.stringify(await ds.manifest(), (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      );
      smallPut.push((await timed(() => counted.put(`bench-raw/manifest-${round}`, manifestSized)))[0]);
    }
    tarBytesLength = tar.length;
    const index = decodeIndex(buildIndex(readTar(tar)));

    const { key: tarKey } = (await ds.manifest()).dataranges.find((r) => r.first === BigInt(next))!;
    await counted.put(`bench-raw/point-${round}`, new Uint8Array(POINT));
    await get(ds, next); // loads the index once
    for (let i = 0; i < GETS; i++) {
      const at = (i * 37) % POINTS;
      const entry = index[at]!;
      const start = entry.headerOffset + entry.headerBlocks * 512;
      const runs = [
        async () => {
          counted.reset();
          single.push((await timed(() => get(ds, next + at)))[0]);
          requests.push(calls(counted));
        },
        async () =>
          rawRanged.push(
            (
              await timed(async () =>
                (await counted.get(tarKey, { range: { start, end: start + POINT - 1 } })).bytes(),
              )
            )[0],
          ),
        async () =>
          rawGet.push((await timed(async () => (await counted.get(`bench-raw/point-${round}`)).bytes()))[0]),
      ];
      for (let k = 0; k < runs.length; k++) await runs[(i + k) % runs.length]!();
      getRatio.push(single.at(-1)! / rawGet.at(-1)!);
      rangedRatio.push(single.at(-1)! / rawRanged.at(-1)!);
    }

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
    const ops = counted.usage().operations;
    aggGlue.push((ops.multipart?.bytesIn ?? 0) + (ops.multipart?.bytesOut ?? 0));
    aggRead.push((ops.get?.bytesOut ?? 0) + (ops.head?.bytesOut ?? 0));
    aggWritten.push(ops.put?.bytesIn ?? 0);
  }
  await cleanup(port, ds);
  return {
    target,
    uploadMiBs: tarBytesLength / MIB / (median(upload) / 1000),
    rawPutMiBs: tarBytesLength / MIB / (median(rawPut) / 1000),
    rawPutMs: median(rawPut),
    smallPutMs: median(smallPut),
    uploadRatio: median(uploadRatio),
    getRatio: median(getRatio),
    rangedRatio: median(rangedRatio),
    callsPerUpload: median(uploadCalls),
    getMs: median(single),
    rawRangedMs: median(rawRanged),
    rawGetMs: median(rawGet),
    requestsPerGet: median(requests),
    rangeMiBs: median(ranged),
    aggMiBs: median(aggRate),
    agg: { glue: median(aggGlue), read: median(aggRead), written: median(aggWritten) },
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
  const kib = (x: number) => `${(x / KIB).toFixed(1)}`;
  const lines = [
    `Datasets benchmark (${ROUNDS} rounds, medians; ${cpus().length} cores, Node ${process.version}). ` +
      'Peer: none: datas3t is a Go server on PostgreSQL, not installable here.',
    '',
    `- **upload** (${UPLOADS} per round): \`uploadDatarange\` of a ${(POINTS * POINT) / MIB} MiB TAR (${POINTS} × 64 KiB): parse and validate every entry, ` +
      'from a cached manifest: reserve (manifest CAS) and `.index` + `.tar` create-only, all three in parallel; then commit (manifest CAS). ' +
      '**raw put**: one `port.put` of the same bytes. **small put**: one `port.put` of a manifest-sized body; ' +
      '**bound**: raw / (raw + small put), the best ratio an upload whose commit follows its data can reach. ' +
      '**calls/upload**: port calls of one upload.',
    '- **get**: `get(ds, n)` of a 64 KiB datapoint, index and manifest cached (what a reader does after its first get). ' +
      '**raw ranged**: `port.get` of the same 64 KiB byte range of the same `.tar`. ' +
      "**raw get**: `port.get` of a whole 64 KiB object (the goal's baseline). All three take turns, through the same port wrapper.",
    '- Times are medians; ratios are medians of the ratios of back-to-back calls (so load drift cancels).',
    '- **aggregate**: 3 × 6.3 MiB dataranges into one; bytes through the client split into glue parts ' +
      '(`uploadPart`), reads (manifest, source indexes) and single PUTs (new `.index`, manifest writes).',
    '',
    '| target | upload MiB/s | raw put MiB/s | upload / raw (goal ≥ 0.9) | small put ms | bound | calls/upload | get ms | raw ranged ms | raw get ms | get / raw get (goal ≤ 1.2) | get / raw ranged | calls/get | range MiB/s | aggregate MiB/s | aggregate KiB through client: glue + reads + puts |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const through = r.agg.glue + r.agg.read + r.agg.written;
    lines.push(
      `| ${r.target} | ${f(r.uploadMiBs)} | ${f(r.rawPutMiBs)} | ${f(r.uploadRatio, 2)} | ${f(r.smallPutMs, 2)} | ${f(r.rawPutMs / (r.rawPutMs + r.smallPutMs), 2)} | ${r.callsPerUpload} | ` +
        `${f(r.getMs, 2)} | ${f(r.rawRangedMs, 2)} | ${f(r.rawGetMs, 2)} | ${f(r.getRatio, 2)} | ${f(r.rangedRatio, 2)} | ` +
        `${f(r.requestsPerGet, 0)} | ${f(r.rangeMiBs)} | ${f(r.aggMiBs)} | ` +
        `${kib(through)} of ${(r.aggBytes / MIB).toFixed(1)} MiB: ${kib(r.agg.glue)} + ${kib(r.agg.read)} + ${kib(r.agg.written)} |`,
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
  // The same server in a process of its own, as the gateway benchmark runs it: in this process its
  // work on the upload's parallel requests runs on the client's thread, one after the other.
  const apart = await startChild('s3rver');
  try {
    rows.push(await measure('s3rver (own process)', s3Port(apart)));
  } finally {
    await apart.stop();
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
