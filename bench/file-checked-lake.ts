/**
 * A lake query with the TypeScript engine over file-port segments (footers, then column chunks, all by
 * range), on this build or on a peer build (`PEER_SRC`, e.g. the commit before block checksums): one
 * side per process, since two copies of the lake in one process would each initialise the shared zstd
 * WebAssembly module. Run the sides in turn and compare the medians:
 *
 *   mkdir -p .tmp/peer && git archive b9563af src | tar -x -C .tmp/peer
 *   for i in 1 2 3; do PEER_SRC=.tmp/peer/src npx tsx bench/file-checked-lake.ts; npx tsx bench/file-checked-lake.ts; done
 *
 * Prints one JSON line: the side, the load average, and the median milliseconds of 9 runs of each query.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ndjsonGz, rawLines, T0 } from '../test/lake/support.js';

const ROWS = 200_000;
const FROM = T0 - 3_600_000;
const TO = T0 + 86_400_000;
const RUNS = 9;

type LakeModule = typeof import('../src/lake/index.js');
type StorageModule = typeof import('../src/storage/index.js');

const src = process.env.PEER_SRC ? resolve(process.env.PEER_SRC) : resolve(import.meta.dirname, '../src');
const { openLake } = (await import(join(src, 'lake/index.ts'))) as LakeModule;
const { fileStorage } = (await import(join(src, 'storage/index.ts'))) as StorageModule;

const dir = await mkdtemp(join(tmpdir(), 'bk-checked-lake-'));
try {
  const port = fileStorage(dir, { durable: false });
  await port.put('raw/a.json.gz', ndjsonGz(rawLines(ROWS, T0, 50, 0)));
  const lake = openLake(port, { orgs: { 'raw/': 'acme' }, engine: 'typescript' });
  await lake.ingest('raw/a.json.gz');
  const count = async (query: Parameters<typeof lake.logs>[0]) => {
    let n = 0;
    for await (const _ of lake.logs(query)) n++;
    return n;
  };
  const queries = {
    all: () => count({ org: 'acme', from: FROM, to: TO, limit: 1_000_000 }),
    filtered: () =>
      count({
        org: 'acme',
        from: FROM,
        to: TO,
        limit: 1_000_000,
        where: { log_level: 'ERROR' },
        contains: 'took 5',
      }),
  };
  const out: Record<string, number | string> = { side: process.env.PEER_SRC ? 'peer' : 'ours' };
  for (const [name, run] of Object.entries(queries)) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await run();
      times.push(performance.now() - start);
    }
    out[name] = Math.round(times.sort((a, b) => a - b)[RUNS >> 1]!);
  }
  out.load = loadavg()[0]!.toFixed(2);
  console.log(JSON.stringify(out));
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
