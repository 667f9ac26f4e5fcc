/**
 * The lake's queries on the file port and on s3 over a local Ceph RGW (issue 16, item 9: "at most 2× on
 * s3-over-Ceph RGW"): one generated day (bench/lake-data.ts) is ingested once on the file port, its
 * `db/` objects are copied to an RGW bucket, then the same needle and count questions run on both ports,
 * on both engines. Everything lives in a temporary folder removed at the end; RGW is stopped.
 *
 *   npx tsx bench/lake-rgw.ts                          # 1 M lines in 16 files
 *   npx tsx bench/lake-rgw.ts --lines 300000 --runs 5
 *
 * Needs Debian's ceph packages (radosgw, ceph-mon, ceph-osd), as the RGW tests do.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type EngineName, type Lake, openLake } from '../src/lake/index.js';
import { fileStorage, type StoragePort, s3Storage } from '../src/storage/index.js';
import { startCephRgw } from '../test/support/servers.js';
import { DAY_MS, dayDataSet, NEEDLE_ID, NEEDLE_TIMES } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '16' },
    runs: { type: 'string', default: '5' },
  },
});
const RUNS = Number(args.runs);
const HOUR = 3_600_000;
const ORG = 'bench';
const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

async function needle(lake: Lake, from: number, to: number) {
  let found = 0;
  for await (const _ of lake.logs({ org: ORG, from, to, contains: NEEDLE_ID, limit: 100 })) found++;
  if (found !== NEEDLE_TIMES.length) throw new Error(`needle found ${found} times`);
}

/** p50 (and the first, cold, run) of each question on one port and engine. */
async function questions(port: StoragePort, engine: EngineName) {
  const lake = openLake(port, { engine });
  const out = {
    needle1h: await timed(() => needle(lake, DAY_MS + 13 * HOUR, DAY_MS + 14 * HOUR)),
    needle24h: await timed(() => needle(lake, DAY_MS, DAY_MS + 24 * HOUR)),
    count24h: await timed(() =>
      lake.count({ org: ORG, from: DAY_MS, to: DAY_MS + 24 * HOUR, step: 300_000, by: ['level'] }),
    ),
  };
  await lake.close();
  log(
    `${port.name} ${engine}: ${JSON.stringify(out, (_, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
  );
  return out;
}

const root = await mkdtemp(join(tmpdir(), 'lake-rgw-bench-'));
const server = await startCephRgw('lake');
// a new port object per engine: nothing one engine's run cached in memory serves the other's
const rgwPort = () =>
  s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
const rgw = rgwPort();
try {
  const data = await dayDataSet(root, Number(args.lines), Number(args.files), log);
  const file = fileStorage(join(root, 'lake'), { durable: false });
  const lake = openLake(file, { orgs: { 'raw/': ORG }, engine: 'typescript' });
  for (const name of data.files) {
    await file.put(`raw/${name}`, await readFile(join(data.dir, name)));
    await lake.ingest(`raw/${name}`);
  }
  await lake.close();
  let copied = 0;
  for await (const entry of file.list({ prefix: 'db/' })) {
    if (entry.type !== 'object') continue;
    await rgw.put(entry.key, await (await file.get(entry.key)).bytes());
    copied++;
  }
  log(`ingested ${data.lines} lines; ${copied} objects copied to RGW`);
  const rows: string[] = [];
  for (const engine of ['typescript', 'duckdb'] as const) {
    const onFile = await questions(fileStorage(join(root, 'lake'), { durable: false }), engine);
    const onRgw = await questions(rgwPort(), engine);
    for (const name of ['needle1h', 'needle24h', 'count24h'] as const) {
      const f = median(onFile[name]);
      const s = median(onRgw[name]);
      rows.push(
        `| ${name}, ${engine} | ${f.toFixed(0)} ms (cold ${onFile[name][0]!.toFixed(0)}) | ${s.toFixed(0)} ms (cold ${onRgw[name][0]!.toFixed(0)}) | ${(s / f).toFixed(2)} |`,
      );
    }
  }
  console.log(
    [
      `Lake on the file port and on Ceph RGW: ${data.lines.toLocaleString('en')} lines, p50 of ${RUNS} runs, load average ${loadavg()[0]!.toFixed(1)}`,
      '',
      '| question, engine | file port | s3 over Ceph RGW | RGW ÷ file (goal ≤ 2) |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
} finally {
  await rgw.close?.();
  await server.stop();
  await rm(root, { recursive: true, force: true });
}
