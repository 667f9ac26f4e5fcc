/** The functions of the subset: argument types (a trailing `?` marks optional ones) and result type. */
import type { ValueType } from './ast.js';

export interface Signature {
  args: readonly ValueType[];
  /** How many trailing arguments may be left out. */
  optional?: number;
  /** The last argument type repeats (label_join). */
  variadic?: boolean;
  returns: ValueType;
}

const RANGE: Signature = { args: ['matrix'], returns: 'vector' };
const MATH: Signature = { args: ['vector'], returns: 'vector' };

export const SIGNATURES: Readonly<Record<string, Signature>> = {
  rate: RANGE,
  irate: RANGE,
  increase: RANGE,
  delta: RANGE,
  idelta: RANGE,
  deriv: RANGE,
  changes: RANGE,
  resets: RANGE,
  avg_over_time: RANGE,
  min_over_time: RANGE,
  max_over_time: RANGE,
  sum_over_time: RANGE,
  count_over_time: RANGE,
  last_over_time: RANGE,
  present_over_time: RANGE,
  stddev_over_time: RANGE,
  stdvar_over_time: RANGE,
  absent_over_time: RANGE,
  quantile_over_time: { args: ['scalar', 'matrix'], returns: 'vector' },
  predict_linear: { args: ['matrix', 'scalar'], returns: 'vector' },
  holt_winters: { args: ['matrix', 'scalar', 'scalar'], returns: 'vector' },
  abs: MATH,
  ceil: MATH,
  floor: MATH,
  exp: MATH,
  ln: MATH,
  log2: MATH,
  log10: MATH,
  sqrt: MATH,
  sgn: MATH,
  timestamp: MATH,
  absent: MATH,
  sort: MATH,
  sort_desc: MATH,
  round: { args: ['vector', 'scalar'], optional: 1, returns: 'vector' },
  clamp: { args: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
  label_join: { args: ['vector', 'string', 'string', 'string'], variadic: true, returns: 'vector' },
  scalar: { args: ['vector'], returns: 'scalar' },
  vector: { args: ['scalar'], returns: 'vector' },
  time: { args: [], returns: 'scalar' },
};
