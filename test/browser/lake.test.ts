import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/index.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { ndjsonGz, rawLines } from '../lake/support.js';
import { runPage } from './chromium.js';
import { LAKE_QUERIES, plainRows, T0 } from './lake-queries.js';

/** The zstd.wasm that @bokuweb/zstd-wasm's browser build fetches next to the bundle. */
async function zstdWasm(): Promise<Uint8Array> {
  const main = createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm');
  return readFile(join(main, '../../web/zstd.wasm'));
}

describe('bucketkit/lake/browser in a browser (headless Chromium)', () => {
  it('answers logs and count queries over httpStorage exactly as Node does', async () => {
    const gw = await startGateway({ allowAnonymous: true, cors: { origins: '*', exposeHeaders: ['*'] } });
    const storage = await bucketPort(gw, 'lake');
    try {
      // two files over two UTC days, small segments so queries span many segments and row groups
      await storage.put('logs-raw/a.ndjson.gz', ndjsonGz(rawLines(6000, T0, 15_000)));
      await storage.put('logs-raw/b.ndjson.gz', ndjsonGz(rawLines(3000, T0 + 1_800_000, 20_000, 10_000)));
      // the browser runs the TypeScript engine: Node runs it too, so requests and bytes compare as well
      const lake = openLake(storage, {
        orgs: { 'logs-raw/': 'acme' },
        segmentRows: 1000,
        engine: 'typescript',
      });
      expect((await lake.ingest('logs-raw/a.ndjson.gz')).rows).toBe(6000);
      expect((await lake.ingest('logs-raw/b.ndjson.gz')).rows).toBe(3000);

      const logs: Record<string, unknown> = {};
      for (const [name, query] of Object.entries(LAKE_QUERIES.logs)) {
        const result = lake.logs(query);
        logs[name] = { rows: await plainRows(result), stats: result.stats };
      }
      const counts: Record<string, unknown> = {};
      for (const [name, query] of Object.entries(LAKE_QUERIES.count)) counts[name] = await lake.count(query);

      const answer = await runPage(
        new URL('./lake-page.ts', import.meta.url),
        { __BUCKET_URL__: `${gw.endpoint}/lake` },
        { '/zstd.wasm': { type: 'application/wasm', body: await zstdWasm() } },
      );
      expect(answer.error).toBeUndefined();
      expect(answer.hasIngest).toBe(false);
      // the same rows, in the same order, read with the same requests and bytes
      expect(answer.logs).toEqual(logs);
      expect(answer.counts).toEqual(JSON.parse(JSON.stringify(counts)));

      // and the answers are the ones the data says
      const got = answer.logs as Record<string, { rows: { log_message: string; log_level: string }[] }>;
      expect(got.newest!.rows).toHaveLength(50);
      expect(got.needle!.rows.map((r) => r.log_message)).toEqual([expect.stringMatching(/id=req-4242$/)]);
      expect(got.errorsForward!.rows.length).toBeGreaterThan(100);
      expect(got.errorsForward!.rows.every((r) => r.log_level === 'ERROR')).toBe(true);
      expect(got.regexWindow!.rows.length).toBeGreaterThan(0);
      const byLevel = (answer.counts as Record<string, { series: { points: [number, number][] }[] }>)
        .byLevel!;
      const total = byLevel.series.flatMap((s) => s.points).reduce((n, [, c]) => n + c, 0);
      expect(total).toBe(9000);
      expect((byLevel as unknown as { stats: { usedAggFiles: boolean } }).stats.usedAggFiles).toBe(true);
    } finally {
      await storage.close?.();
      await gw.stop();
    }
  }, 180_000);
});
