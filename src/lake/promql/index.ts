/** The PromQL subset of bucketkit/lake: a typed parser and an evaluator over the lake's metric segments. */
export type * from './ast.js';
export { type PromqlErrorKind, promqlError } from './errors.js';
export type { Labels } from './labels.js';
export { lexPromQL } from './lexer.js';
export { parsePromQL, typeOf } from './parser.js';
export { tierFor } from './plan.js';
export {
  DEFAULT_LOOKBACK_MS,
  MAX_POINTS,
  type Point,
  type PromqlQuery,
  type PromqlResult,
  queryPromQL,
} from './query.js';
export { labelsOf, loadSeries, type Sample, type Series, type SeriesQuery } from './source.js';
