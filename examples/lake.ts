/**
 * bucketkit/lake: raw log files in a bucket become sorted ZSTD Parquet segments with an index beside
 * them, queried by a typed API or LogQL; traces beside them (examples/lake-traces.ts). Run: npx tsx examples/lake.ts
 */
import { gzipSync } from 'node:zlib';
import { connect, type StoragePort } from '../src/index.js';
import { evaluateLogQL, openLake } from '../src/lake/index.js';
import { traceTour } from './lake-traces.js';

const DAY = Date.parse('2026-01-02T00:00:00Z');
const SERVICES = ['api', 'billing', 'search'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];

/** An hour of JSON-lines logs, as a collector would drop them: one line every 1.8 s. */
function hourOfLogs(hour: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const service = SERVICES[i % 3]!;
    const level = LEVELS[(i * 7 + hour) % 5]!;
    const message =
      level === 'ERROR'
        ? `upstream timeout after ${100 + (i % 900)} ms calling 10.0.${i % 8}.${i % 250}`
        : `GET /v1/items/${i} 200 in ${i % 97} ms`;
    const timestamp = new Date(DAY + hour * 3_600_000 + i * 1_800).toISOString();
    lines.push(JSON.stringify({ timestamp, level, message, resource_service_name: service }));
  }
  return gzipSync(lines.join('\n'));
}

export async function lakeTour(port: StoragePort, log = console.log): Promise<void> {
  const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' } });
  try {
    for (const hour of [10, 11]) {
      const key = `logs-raw/app-2026-01-02T${hour}.json.gz`;
      await port.put(key, hourOfLogs(hour));
      const result = await lake.ingest(key);
      log(
        `ingested ${key}: ${result.rows} rows, ${result.segments.length} segment(s), ${result.badRows} bad`,
      );
    }
    const again = await lake.ingest('logs-raw/app-2026-01-02T10.json.gz');
    log(`ingesting the same file again publishes nothing: ${again.alreadyIngested}`);

    const from = DAY + 10 * 3_600_000;
    const to = DAY + 12 * 3_600_000;
    const errors = lake.logs({
      org: 'acme',
      from,
      to,
      where: { level: 'ERROR' },
      contains: '10.0.3.',
      limit: 3,
    });
    const newest: string[] = [];
    for await (const row of errors) newest.push(String(row.log_message));
    log(`newest errors mentioning 10.0.3.*: ${newest.length} shown, e.g. "${newest[0]}"`);
    log(`that query read ${errors.stats.segmentsRead} segment(s), ${errors.stats.requests} requests`);

    const counts = await lake.count({ org: 'acme', from, to, by: ['level'] });
    const byLevel = counts.series
      .map((s) => `${s.labels.log_level}=${s.points.reduce((sum, [, n]) => sum + n, 0)}`)
      .sort();
    log(`rows per level over two hours: ${byLevel.join(', ')}`);

    const logql = await evaluateLogQL(lake, {
      org: 'acme',
      query: 'sum by (service) (count_over_time({level="ERROR"} |= "timeout" [1h]))',
      start: from + 3_600_000,
      end: to,
      step: 3_600_000,
    });
    const series = logql.type === 'streams' ? logql.streams : logql.series;
    log(
      `LogQL ${logql.type}: ${series.length} series of timeouts by service, ${logql.stats.requests} requests`,
    );

    const compacted = await lake.compact({ org: 'acme' });
    log(`compact(): ${compacted.segmentsReplaced} segments merged into ${compacted.segmentsWritten}`);
    log(`query engine: ${await lake.engine()}`);
    await traceTour(lake, port, log);
  } finally {
    await lake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await lakeTour(connect('file://./.bucketkit-demo/lake'));
}
