/**
 * The typed syntax tree of the PromQL subset `parsePromQL` accepts. Times are milliseconds.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** `name op "value"` inside braces; the metric name is the matcher `__name__="…"`. */
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** An instant vector selector: `name{matchers} offset 5m`. */
export interface VectorSelector {
  kind: 'vector';
  matchers: Matcher[];
  offsetMs: number;
  /** `@ <seconds>` as ms, `@ start()`/`@ end()` as the words. */
  at?: number | 'start' | 'end';
}

/** A range vector selector: `name{matchers}[5m] offset 1m`. */
export interface MatrixSelector {
  kind: 'matrix';
  vector: VectorSelector;
  rangeMs: number;
}

/** A subquery: `expr[range:step] offset 5m`, the inner expression evaluated every step over the range. */
export interface Subquery {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** `[30m:1m]`'s step; absent for `[30m:]` (the default evaluation interval, 1 m). */
  stepMs?: number;
  offsetMs: number;
  at?: number | 'start' | 'end';
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile';

export interface Aggregate {
  kind: 'aggregate';
  op: AggregateOp;
  /** `k` of topk/bottomk, φ of quantile. */
  param?: Expr;
  expr: Expr;
  /** Labels of `by (…)` or `without (…)`; `without` false and no labels: everything into one group. */
  grouping: string[];
  without: boolean;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** How two vectors' samples are paired: `on (…)`/`ignoring (…)`, `group_left/right (…)`. */
export interface VectorMatching {
  on: boolean;
  labels: string[];
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** Labels copied from the "one" side (`group_left (a, b)`). */
  include: string[];
}

export interface Binary {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** `bool`: comparisons give 0/1 instead of filtering. */
  returnBool: boolean;
  matching: VectorMatching;
}

export interface Call {
  kind: 'call';
  func: string;
  args: Expr[];
}

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | VectorSelector
  | MatrixSelector
  | Subquery
  | Aggregate
  | Binary
  | Call
  | { kind: 'unary'; op: '-' | '+'; expr: Expr }
  | { kind: 'paren'; expr: Expr };

/** What an expression evaluates to. */
export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';
