/**
 * Evaluates a parsed expression at one time over loaded series, as Prometheus 2.x does: instant
 * selectors take the newest sample within the lookback, range selectors every sample in `[t - range, t]`
 * (both ends included), subqueries their inner expression at every multiple of their step in that range,
 * functions, aggregations and operators on top.
 */
import { decodeSketch } from '../sketch/index.js';
import { aggregate } from './aggregate.js';
import type { Call, Expr, MatrixSelector, Subquery, VectorSelector } from './ast.js';
import { scalarBinary, vectorBinary, vectorScalarBinary } from './binary.js';
import { promqlError } from './errors.js';
import { histogramQuantile, labelJoin, labelReplace, mathFunction } from './instant-functions.js';
import { dropName, type Labels, labelsKey } from './labels.js';
import { selectorTime, type TimeFrame } from './plan.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import type { Sample, Series } from './source.js';
import type { Value, VectorSample } from './value.js';

/** What evaluation needs besides the expression. */
export interface EvalContext {
  frame: TimeFrame;
  data: Map<VectorSelector, Series[]>;
  /** Inner values of subqueries by evaluation time (steps of a range query overlap), filled as needed. */
  subqueries?: Map<Subquery, Map<number, VectorSample[]>>;
}

/** A subquery's step when it names none (`[30m:]`): Prometheus's default evaluation interval. */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;

/**
 * The value of `expr` at time `t` (ms).
 *
 * @example
 * ```ts
 * const value = evaluateAt(parsePromQL('sum(up)'), t, { frame, data });
 * ```
 */
export function evaluateAt(expr: Expr, t: number, ctx: EvalContext): Value {
  switch (expr.kind) {
    case 'number':
      return { type: 'scalar', v: expr.value };
    case 'string':
      return { type: 'string', s: expr.value };
    case 'paren':
      return evaluateAt(expr.expr, t, ctx);
    case 'unary': {
      const inner = evaluateAt(expr.expr, t, ctx);
      if (expr.op === '+') return inner;
      if (inner.type === 'scalar') return { type: 'scalar', v: -inner.v };
      return vectorOf(unique(asVector(inner).map((s) => ({ labels: dropName(s.labels), v: -s.v }))));
    }
    case 'vector':
      return vectorOf(instantSelect(expr, t, ctx));
    case 'matrix':
    case 'subquery':
      return { type: 'matrix', series: rangeOf(expr, t, ctx).series };
    case 'aggregate': {
      const param = expr.param ? asScalar(evaluateAt(expr.param, t, ctx)) : Number.NaN;
      const input = asVector(evaluateAt(expr.expr, t, ctx));
      return vectorOf(aggregate(expr.op, input, expr.grouping, expr.without, param));
    }
    case 'binary': {
      const lhs = evaluateAt(expr.lhs, t, ctx);
      const rhs = evaluateAt(expr.rhs, t, ctx);
      if (lhs.type === 'scalar' && rhs.type === 'scalar')
        return { type: 'scalar', v: scalarBinary(expr, lhs.v, rhs.v) };
      if (lhs.type === 'scalar')
        return vectorOf(unique(vectorScalarBinary(expr, asVector(rhs), lhs.v, true)));
      if (rhs.type === 'scalar')
        return vectorOf(unique(vectorScalarBinary(expr, asVector(lhs), rhs.v, false)));
      return vectorOf(vectorBinary(expr, asVector(lhs), asVector(rhs)));
    }
    case 'call':
      return call(expr, t, ctx);
  }
}

function call(expr: Call, t: number, ctx: EvalContext): Value {
  const f = expr.func;
  if (f === 'time') return { type: 'scalar', v: t / 1000 };
  const rangeFunction = RANGE_FUNCTIONS[f];
  if (rangeFunction) {
    const rangeArg = expr.args.find((a) => a.kind === 'matrix' || a.kind === 'subquery');
    if (!rangeArg) throw promqlError('type', `${f}() needs a range vector`);
    const params = expr.args.filter((a) => a !== rangeArg).map((a) => asScalar(evaluateAt(a, t, ctx)));
    const { series, startMs, endMs, rangeMs } = rangeOf(rangeArg, t, ctx);
    const out: VectorSample[] = [];
    for (const s of series) {
      const v = rangeFunction({ samples: s.samples, startMs, endMs, rangeMs, evalMs: t }, params);
      if (v !== undefined) out.push({ labels: f === 'last_over_time' ? s.labels : dropName(s.labels), v });
    }
    return vectorOf(unique(out));
  }
  if (f === 'absent_over_time' || f === 'absent') return absent(expr, t, ctx);
  const args = expr.args.map((a) => evaluateAt(a, t, ctx));
  if (f === 'vector') return vectorOf([{ labels: {}, v: asScalar(args[0]!) }]);
  if (f === 'scalar') {
    const samples = asVector(args[0]!);
    return { type: 'scalar', v: samples.length === 1 ? samples[0]!.v : Number.NaN };
  }
  if (f === 'histogram_quantile')
    return vectorOf(unique(histogramQuantile(asScalar(args[0]!), asVector(args[1]!))));
  if (f === 'sort' || f === 'sort_desc') {
    const sign = f === 'sort' ? 1 : -1;
    return vectorOf([...asVector(args[0]!)].sort((a, b) => sign * (a.v - b.v)));
  }
  const strings = args.map((a) => (a.type === 'string' ? a.s : ''));
  if (f === 'label_replace')
    return vectorOf(
      unique(labelReplace(asVector(args[0]!), strings[1]!, strings[2]!, strings[3]!, strings[4]!)),
    );
  if (f === 'label_join')
    return vectorOf(unique(labelJoin(asVector(args[0]!), strings[1]!, strings[2]!, strings.slice(3))));
  const math = mathFunction(f, asVector(args[0]!), args.slice(1).map(asScalar));
  if (math) return vectorOf(unique(math));
  throw promqlError('unsupported', `function "${f}" is not supported`);
}

/** absent(v) / absent_over_time(m): 1 with the selector's equality labels when nothing is there. */
function absent(expr: Call, t: number, ctx: EvalContext): Value {
  const arg = expr.args[0]!;
  const value = evaluateAt(arg, t, ctx);
  const present = value.type === 'matrix' ? value.series.length > 0 : asVector(value).length > 0;
  if (present) return vectorOf([]);
  const selector = arg.kind === 'vector' ? arg : arg.kind === 'matrix' ? arg.vector : undefined;
  const labels: Record<string, string> = {};
  if (selector) {
    const counts = new Map<string, number>();
    for (const m of selector.matchers) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
    for (const m of selector.matchers)
      if (m.op === '=' && m.name !== '__name__' && counts.get(m.name) === 1) labels[m.name] = m.value;
  }
  return vectorOf([{ labels, v: 1 }]);
}

/** A range selector's or subquery's series inside its window `[end - range, end]` at time `t`. */
function rangeOf(
  expr: MatrixSelector | Subquery,
  t: number,
  ctx: EvalContext,
): { series: { labels: Labels; samples: Sample[] }[]; startMs: number; endMs: number; rangeMs: number } {
  const endMs = selectorTime(expr.kind === 'matrix' ? expr.vector : expr, t, ctx.frame);
  const startMs = endMs - expr.rangeMs;
  const window = { startMs, endMs, rangeMs: expr.rangeMs };
  if (expr.kind === 'matrix') {
    const series = (ctx.data.get(expr.vector) ?? [])
      .map((s) => ({ labels: s.labels, samples: windowOf(s.samples, startMs, endMs) }))
      .filter((s) => s.samples.length > 0);
    return { series, ...window };
  }
  const step = expr.stepMs ?? DEFAULT_SUBQUERY_STEP_MS;
  const byLabels = new Map<string, { labels: Labels; samples: Sample[] }>();
  for (let at = Math.ceil(startMs / step) * step; at <= endMs; at += step) {
    for (const sample of innerAt(expr, at, ctx)) {
      const key = labelsKey(sample.labels);
      const series = byLabels.get(key) ?? { labels: sample.labels, samples: [] };
      if (series.samples.length === 0) byLabels.set(key, series);
      series.samples.push({ t: at, v: sample.v, hiddenResets: 0 });
    }
  }
  return { series: [...byLabels.values()], ...window };
}

/** A subquery's inner expression at one of its steps (each computed once per query). */
function innerAt(subquery: Subquery, at: number, ctx: EvalContext): VectorSample[] {
  ctx.subqueries ??= new Map();
  const byTime = ctx.subqueries.get(subquery) ?? new Map<number, VectorSample[]>();
  ctx.subqueries.set(subquery, byTime);
  let samples = byTime.get(at);
  if (!samples) {
    samples = asVector(evaluateAt(subquery.expr, at, ctx));
    byTime.set(at, samples);
  }
  return samples;
}

function instantSelect(selector: VectorSelector, t: number, ctx: EvalContext): VectorSample[] {
  const ref = selectorTime(selector, t, ctx.frame);
  const out: VectorSample[] = [];
  for (const s of ctx.data.get(selector) ?? []) {
    const i = lastAtOrBefore(s.samples, ref);
    if (i < 0) continue;
    const sample = s.samples[i]!;
    if (sample.t < ref - ctx.frame.lookbackMs) continue;
    out.push({
      labels: s.labels,
      v: sample.v,
      t: sample.t,
      ...(sample.sketch && s.type === 'histogram' ? { sketch: decodeSketch(sample.sketch) } : {}),
    });
  }
  return out;
}

/** Index of the last sample with `t <= at`, or -1. */
function lastAtOrBefore(samples: readonly Sample[], at: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The samples with `start <= t <= end`. */
function windowOf(samples: readonly Sample[], start: number, end: number): Sample[] {
  const last = lastAtOrBefore(samples, end);
  let first = lastAtOrBefore(samples, start - 1) + 1;
  if (first < 0) first = 0;
  return samples.slice(first, last + 1);
}

function vectorOf(samples: VectorSample[]): Value {
  return { type: 'vector', samples };
}

function asVector(value: Value): VectorSample[] {
  if (value.type !== 'vector') throw promqlError('type', `expected an instant vector, got a ${value.type}`);
  return value.samples;
}

function asScalar(value: Value): number {
  if (value.type !== 'scalar') throw promqlError('type', `expected a scalar, got a ${value.type}`);
  return value.v;
}

/** Prometheus refuses a vector where two samples have the same labels (e.g. rate over two names). */
function unique(samples: VectorSample[]): VectorSample[] {
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw promqlError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return samples;
}
