/** The LogQL subset of bucketkit/lake: a typed parser and an evaluator over a lake's query API. */
export type * from './ast.js';
export { parseDurationMs } from './duration.js';
export {
  evaluateLogQL,
  type LogQLQuery,
  type LogQLResult,
  type LogStream,
  type MetricSeries,
} from './evaluate.js';
export type { Sample } from './metric.js';
export { parseLogQL } from './parser.js';
