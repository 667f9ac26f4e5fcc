/** The PromQL grammar's word lists and operator precedence (Prometheus's, lowest first). */
import type { AggregateOp } from './ast.js';

export const AGGREGATES: ReadonlySet<string> = new Set<AggregateOp>([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
]);
export const WITH_PARAM: ReadonlySet<string> = new Set(['topk', 'bottomk', 'quantile']);
export const PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '<': 3,
  '>=': 3,
  '>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '^': 6,
};
export const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<=', '<', '>=', '>']);
export const MAX_DEPTH = 200;
export const MAX_OPERATORS = 1000;
