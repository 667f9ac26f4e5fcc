/**
 * The typed syntax tree of the LogQL subset `parseLogQL` accepts. Label names are kept as written (aliases
 * such as `level` are resolved to columns by the evaluator).
 */

/** A stream selector matcher: `{name op "value"}`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** `|= "text"`, `!= "text"`, `|~ "regex"`, `!~ "regex"`. */
export interface LineFilterStage {
  kind: 'line';
  op: '|=' | '!=' | '|~' | '!~';
  value: string;
}

/** `| json` or `| logfmt`: extract the line's fields as labels. */
export interface ParserStage {
  kind: 'parser';
  parser: 'json' | 'logfmt';
}

/** `| name op value` on a label: string comparisons, or numeric ones against a number or duration (ms). */
export type LabelFilterStage =
  | { kind: 'label'; name: string; op: '=' | '!=' | '=~' | '!~'; value: string }
  | {
      kind: 'label';
      name: string;
      op: '==' | '!=' | '>' | '>=' | '<' | '<=';
      number: number;
      unit: 'none' | 'ms';
    };

export type PipelineStage = LineFilterStage | ParserStage | LabelFilterStage;

/** A log query: a stream selector and its pipeline. */
export interface LogExpr {
  kind: 'log';
  matchers: LabelMatcher[];
  pipeline: PipelineStage[];
}

export type RangeFunction = 'count_over_time' | 'rate' | 'bytes_over_time' | 'bytes_rate';

/** `fn(logExpr [range])`. */
export interface RangeAggregation {
  kind: 'range';
  fn: RangeFunction;
  log: LogExpr;
  rangeMs: number;
}

export type VectorOperator = 'sum' | 'count' | 'avg' | 'min' | 'max' | 'topk' | 'bottomk';

export interface Grouping {
  mode: 'by' | 'without';
  labels: string[];
}

/** `op [by|without (labels)] ([k,] expr)`. */
export interface VectorAggregation {
  kind: 'vector';
  op: VectorOperator;
  grouping?: Grouping;
  /** k of topk/bottomk. */
  param?: number;
  inner: MetricExpr;
}

export type MetricExpr = RangeAggregation | VectorAggregation;

/** A parsed query: log lines or samples. */
export type LogQLExpr = LogExpr | MetricExpr;
