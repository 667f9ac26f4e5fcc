// The page the browser test runs: a lake that Node processes ingested, queried through
// bucketkit/lake/browser over httpStorage (anonymous reads of the gateway).
import { openLake } from '../../src/lake/browser.js';
import { httpStorage } from '../../src/storage/browser.js';
import { LAKE_QUERIES, plainRows } from './lake-queries.js';
import { report } from './page-kit.js';

declare const __BUCKET_URL__: string;

report(async () => {
  const lake = openLake(httpStorage({ url: __BUCKET_URL__ }));
  const logs: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(LAKE_QUERIES.logs)) {
    const result = lake.logs(query);
    logs[name] = { rows: await plainRows(result), stats: result.stats };
  }
  const counts: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(LAKE_QUERIES.count)) counts[name] = await lake.count(query);
  return { logs, counts, hasIngest: 'ingest' in lake };
});
