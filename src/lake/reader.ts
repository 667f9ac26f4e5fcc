/**
 * `openLakeReader(port)`: the query half of a lake, without ingest and without any Node module, so it runs
 * in browsers (over `httpStorage`) and other runtimes with `fetch`. It reads the same day indexes and
 * segments as `openLake`, with the same TypeScript engine, so the answers are the same.
 */
import type { StoragePort } from '../storage/index.js';
import type { LakeContext } from './context.js';
import { loadZstd } from './parquet/zstd.js';
import { type CountQuery, type CountResult, countLogs } from './query/count.js';
import { type LogsQuery, type LogsResult, queryLogs } from './query/logs.js';

/** A lake opened for queries only. */
export interface LakeReader {
  /** Log rows of an org in a time range; the result's `stats` tell what the query read. */
  logs(query: LogsQuery): LogsResult;
  /** Log counts per step, split by labels. */
  count(query: CountQuery): Promise<CountResult>;
}

/**
 * Opens the lake stored in `port` for queries. Needs only ranged GETs, so a read-only port will do.
 *
 * @example
 * ```ts
 * import { openLake } from 'bucketkit/lake/browser';
 * import { httpStorage } from 'bucketkit/storage/browser';
 * const lake = openLake(httpStorage({ url: 'https://logs.example.com/lake' }));
 * const { series } = await lake.count({ org: 'acme', from, to, step: 300_000, by: ['level'] });
 * ```
 */
export function openLakeReader(port: StoragePort): LakeReader {
  const ctx: LakeContext = {
    port,
    bucket: port.name,
    orgs: {},
    streamField: 'resource_service_name',
    segmentRows: 1,
    singleWriter: false,
    formats: [],
    fingerprint: async () => undefined,
    zstd: loadZstd,
  };
  return {
    logs: (query) => queryLogs(ctx, query),
    count: (query) => countLogs(ctx, query),
  };
}
