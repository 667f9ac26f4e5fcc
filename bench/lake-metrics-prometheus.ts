/**
 * The real Prometheus's side of bench/lake-metrics.ts: its ingest (`promtool tsdb create-blocks-from
 * openmetrics`, CPU-seconds of promtool and its threads), the size of its TSDB blocks once Prometheus has
 * compacted them, per series kind, and a running Prometheus over the whole data set for the queries.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toOpenMetrics } from '../test/lake/promql/judge-data.js';
import { type RealPrometheus, startPrometheus } from '../test/lake/promql/real-prometheus.js';
import type { BenchSeries } from './lake-metrics-data.js';

const run = promisify(execFile);

/** CPU-seconds promtool needs to turn OpenMetrics text into 2 h blocks (bash's `times` of its child). */
export async function promtoolIngestCpu(series: readonly BenchSeries[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-promtool-'));
  try {
    await writeFile(join(dir, 'input.om'), toOpenMetrics(series));
    const script = `/usr/bin/promtool tsdb create-blocks-from openmetrics -q "$1" "$2" >/dev/null && times`;
    const { stdout } = await run('bash', ['-c', script, 'bash', join(dir, 'input.om'), join(dir, 'data')], {
      maxBuffer: 1 << 20,
    });
    // the second line of `times`: children's user and system time, like "0m1.234s 0m0.120s"
    const children = stdout.trim().split('\n')[1] ?? '';
    return [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
      (s, m) => s + Number(m[1]) * 60 + Number(m[2]),
      0,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface BlockSizes {
  blocks: number;
  /** Highest compaction level among the blocks (1 = as promtool wrote them). */
  level: number;
  chunkBytes: number;
  indexBytes: number;
  /** chunks + index + meta.json + tombstones of every block. */
  totalBytes: number;
}

/**
 * Backfills `series` into a Prometheus, gives it the time to compact the 2 h blocks (its compaction loop runs
 * each minute; promtool 2.42 has no `--max-block-duration`) and measures the blocks. Prometheus 2.42 leaves
 * backfilled blocks alone: their bounds are their samples', not the 2 h grid, so its planner never sees a
 * whole 6 h range — the table says the level. Compaction would only drop repeated index entries; the
 * chunks (most of the bytes) stay as they are. `keep` leaves it running for queries.
 */
export async function prometheusWithBlocks(
  series: readonly BenchSeries[],
  options: { keep: boolean; waitMs: number },
): Promise<{ sizes: BlockSizes; prometheus?: RealPrometheus }> {
  const prometheus = await startPrometheus({ openMetrics: toOpenMetrics(series) });
  try {
    const data = join(prometheus.dir, 'data');
    const started = Date.now();
    let sizes = await blockSizes(data);
    while (Date.now() < started + options.waitMs) {
      await new Promise((r) => setTimeout(r, 5_000));
      const now = await blockSizes(data);
      const same = now.blocks === sizes.blocks && now.totalBytes === sizes.totalBytes;
      // compacted, or past Prometheus's first compaction tick (a minute) with nothing to compact
      const settled = same && (now.level > 1 || Date.now() > started + 75_000);
      sizes = now;
      if (settled) break;
    }
    if (options.keep) return { sizes, prometheus };
    await prometheus.stop();
    return { sizes };
  } catch (err) {
    await prometheus.stop();
    throw err;
  }
}

async function blockSizes(data: string): Promise<BlockSizes> {
  const sizes: BlockSizes = { blocks: 0, level: 0, chunkBytes: 0, indexBytes: 0, totalBytes: 0 };
  for (const entry of await readdir(data, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^[0-9A-Z]{26}$/.test(entry.name)) continue;
    const block = join(data, entry.name);
    let meta: { compaction?: { level?: number } };
    try {
      meta = JSON.parse(await readFile(join(block, 'meta.json'), 'utf8'));
    } catch {
      continue; // being written or deleted by a compaction
    }
    sizes.blocks++;
    sizes.level = Math.max(sizes.level, meta.compaction?.level ?? 1);
    for (const file of await readdir(join(block, 'chunks')).catch(() => [] as string[])) {
      sizes.chunkBytes += (await stat(join(block, 'chunks', file))).size;
    }
    for (const file of ['index', 'meta.json', 'tombstones']) {
      const size = (await stat(join(block, file)).catch(() => ({ size: 0 }))).size;
      if (file === 'index') sizes.indexBytes += size;
      sizes.totalBytes += size;
    }
  }
  sizes.totalBytes += sizes.chunkBytes;
  return sizes;
}
