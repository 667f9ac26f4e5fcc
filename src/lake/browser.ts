/**
 * `bucketkit/lake/browser`: queries of a lake without Node-only code, for browsers and other runtimes that
 * have `fetch` and WebAssembly. `openLake` here opens a lake for `logs` and `count` (ingest needs Node):
 * give it `httpStorage` from `bucketkit/storage/browser` to read a lake that Node processes write.
 * ZSTD pages are read with `@bokuweb/zstd-wasm`, whose `zstd.wasm` a bundler serves next to the bundle
 * (Vite and webpack 5 do this for `new URL('./zstd.wasm', import.meta.url)`).
 *
 * @example
 * ```ts
 * import { openLake } from 'bucketkit/lake/browser';
 * import { httpStorage } from 'bucketkit/storage/browser';
 * const lake = openLake(httpStorage({ url: 'https://logs.example.com/lake' }));
 * for await (const row of lake.logs({ org: 'acme', from: Date.now() - 3_600_000, to: Date.now(), contains: 'timeout' })) {
 *   console.log(row.log_level, row.log_message);
 * }
 * ```
 */

export { readDayIndex } from './catalog/cas.js';
export type { DayIndex, IndexedSegment } from './catalog/day-index.js';
export { dateintOf, indexKey, normaliseName, segmentKeys } from './names.js';
export type { CountQuery, CountResult, CountSeries } from './query/count.js';
export type { LogRow, LogsQuery, LogsResult } from './query/logs.js';
export type { Where } from './query/plan.js';
export type { QueryStats } from './query/stats.js';
export { type LakeReader, openLakeReader as openLake, openLakeReader } from './reader.js';
