/**
 * Metric queries: range functions count lines (or bytes) per series into buckets of gcd(range, step), then
 * each evaluation time t sums the buckets of its window [t − range, t); vector aggregations combine series
 * per time. `sum by (labels)` directly over `count_over_time`/`rate` whose filters the lake takes is pushed
 * down to `lake.count`, which reads the 10 s agg files when the times allow.
 */
import { bkError } from '../../errors.js';
import type { Lake } from '../lake.js';
import { columnOf } from '../query/plan.js';
import type { QueryStats } from '../query/stats.js';
import type { Grouping, MetricExpr, RangeAggregation, VectorAggregation } from './ast.js';
import { addStats } from './evaluate.js';
import { type Labels, labelsKey, labelValue, streamLabels } from './labels.js';
import { compilePipeline } from './pipeline.js';
import { pushdown } from './pushdown.js';

/** `[ms, value]`. */
export type Sample = [number, number];

interface Context {
  org: string;
  start: number;
  end: number;
  step: number;
  stats: QueryStats;
  signal?: AbortSignal;
}

/** A series over the evaluation times: `values[i]` at `start + i * step`, undefined where it has no sample. */
interface Series {
  labels: Labels;
  values: (number | undefined)[];
}

/** Loki's cap on points per series. */
const MAX_POINTS = 11_000;
const MAX_BUCKETS = 1_000_000;

/**
 * Evaluates a metric expression at `start, start + step, … ≤ end`.
 *
 * @example
 * ```ts
 * const series = await evaluateMetric(lake, expr, { org, start, end, step: 60_000, stats });
 * ```
 */
export async function evaluateMetric(
  lake: Lake,
  expr: MetricExpr,
  ctx: Context,
): Promise<{ labels: Labels; samples: Sample[] }[]> {
  const points = Math.floor((ctx.end - ctx.start) / ctx.step) + 1;
  if (points > MAX_POINTS)
    throw bkError(
      'InvalidArgument',
      `the query would return more than ${MAX_POINTS} points per series; use a larger step`,
    );
  const series = await evaluate(lake, expr, ctx, points, null);
  return series
    .map((s) => ({
      labels: s.labels,
      samples: s.values.flatMap((v, i): Sample[] => (v === undefined ? [] : [[ctx.start + i * ctx.step, v]])),
    }))
    .filter((s) => s.samples.length > 0)
    .sort((a, b) => (labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1));
}

async function evaluate(
  lake: Lake,
  expr: MetricExpr,
  ctx: Context,
  points: number,
  sumBy: string[] | null,
): Promise<Series[]> {
  if (expr.kind === 'range') return rangeSeries(lake, expr, ctx, points, sumBy);
  const passDown =
    expr.op === 'sum' && expr.grouping?.mode !== 'without' ? (expr.grouping?.labels ?? []) : null;
  const inner = await evaluate(lake, expr.inner, ctx, points, passDown);
  return aggregate(expr, inner, points);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

async function rangeSeries(
  lake: Lake,
  node: RangeAggregation,
  ctx: Context,
  points: number,
  sumBy: string[] | null,
): Promise<Series[]> {
  const range = node.rangeMs;
  const g = points === 1 ? range : gcd(range, ctx.step);
  const origin = ctx.start - range;
  const lastT = ctx.start + (points - 1) * ctx.step;
  const buckets = (lastT - origin) / g;
  if (buckets > MAX_BUCKETS)
    throw bkError(
      'InvalidArgument',
      'range and step too fine for the time span; use a step that divides the range',
    );
  const plan = pushdown(node.log);
  const countOnly = node.fn === 'count_over_time' || node.fn === 'rate';
  const byBucket = new Map<string, { labels: Labels; counts: Float64Array; values: Float64Array }>();
  const slot = (labels: Labels) => {
    const key = labelsKey(labels);
    let entry = byBucket.get(key);
    if (!entry) {
      entry = { labels, counts: new Float64Array(buckets), values: new Float64Array(buckets) };
      byBucket.set(key, entry);
    }
    return entry;
  };
  const lakeQuery = {
    org: ctx.org,
    from: origin,
    to: lastT,
    where: plan.where,
    match: plan.match,
    ...(plan.contains !== undefined ? { contains: plan.contains } : {}),
    ...(plan.regex ? { regex: plan.regex } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  if (countOnly && plan.residual.length === 0 && sumBy !== null) {
    const result = await lake.count({ ...lakeQuery, step: g, by: sumBy.map(columnOf) });
    addStats(ctx.stats, result.stats);
    for (const s of result.series) {
      const entry = slot(s.labels);
      for (const [ms, n] of s.points) {
        const b = Math.floor((ms - origin) / g);
        entry.counts[b]! += n;
        entry.values[b]! += n;
      }
    }
  } else {
    const run = compilePipeline(plan.residual);
    const rows = lake.logs({ ...lakeQuery, order: 'forward', limit: Number.MAX_SAFE_INTEGER });
    const encoder = new TextEncoder();
    try {
      for await (const row of rows) {
        const labels = run(row.log_message, streamLabels(row));
        if (labels === null) continue;
        const entry = slot(sumBy === null ? labels : pick(labels, sumBy));
        const b = Math.floor((row.chq_timestamp - origin) / g);
        entry.counts[b]! += 1;
        entry.values[b]! += countOnly ? 1 : encoder.encode(row.log_message).length;
      }
    } finally {
      addStats(ctx.stats, rows.stats);
    }
  }
  const perSecond = node.fn === 'rate' || node.fn === 'bytes_rate' ? range / 1000 : 1;
  const width = range / g;
  const stride = ctx.step / g;
  const out: Series[] = [];
  for (const { labels, counts, values } of byBucket.values()) {
    const c = prefix(counts);
    const v = prefix(values);
    const series: Series = { labels, values: new Array(points) };
    for (let i = 0; i < points; i++) {
      const lo = points === 1 ? 0 : i * stride;
      const hi = lo + width;
      if (c[hi]! - c[lo]! > 0) series.values[i] = (v[hi]! - v[lo]!) / perSecond;
    }
    out.push(series);
  }
  return out;
}

function prefix(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i]! + values[i]!;
  return out;
}

/** The labels named by `by`, under the names given (each found by name or by alias column). */
function pick(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const name of names) {
    const value = labelValue(labels, name);
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function groupLabels(labels: Labels, grouping: Grouping | undefined): Labels {
  if (!grouping) return {};
  if (grouping.mode === 'by') return pick(labels, grouping.labels);
  const drop = new Set(grouping.labels.flatMap((n) => [n, columnOf(n)]));
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !drop.has(k)));
}

function aggregate(node: VectorAggregation, inner: Series[], points: number): Series[] {
  if (node.op === 'topk' || node.op === 'bottomk') return selectK(node, inner, points);
  const groups = new Map<string, { labels: Labels; members: Series[] }>();
  for (const s of inner) {
    const labels = groupLabels(s.labels, node.grouping);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels, members: [] };
      groups.set(key, group);
    }
    group.members.push(s);
  }
  return [...groups.values()].map(({ labels, members }) => {
    const values: (number | undefined)[] = new Array(points);
    for (let i = 0; i < points; i++) {
      const present = members.map((m) => m.values[i]).filter((v): v is number => v !== undefined);
      if (present.length > 0) values[i] = combine(node.op, present);
    }
    return { labels, values };
  });
}

function combine(op: VectorAggregation['op'], values: number[]): number {
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'count':
      return values.length;
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return Math.min(...values);
    default:
      return Math.max(...values);
  }
}

/** topk/bottomk: at each time, the k largest (smallest) series of each group keep their sample there. */
function selectK(node: VectorAggregation, inner: Series[], points: number): Series[] {
  const k = node.param ?? 1;
  const sign = node.op === 'topk' ? -1 : 1;
  const out: Series[] = inner.map((s) => ({ labels: s.labels, values: new Array(points) }));
  const keys = inner.map((s) => labelsKey(s.labels));
  for (let i = 0; i < points; i++) {
    const groups = new Map<string, number[]>();
    inner.forEach((s, j) => {
      if (s.values[i] === undefined) return;
      const key = labelsKey(groupLabels(s.labels, node.grouping));
      groups.set(key, [...(groups.get(key) ?? []), j]);
    });
    for (const members of groups.values()) {
      members.sort(
        (a, b) => sign * (inner[a]!.values[i]! - inner[b]!.values[i]!) || (keys[a]! < keys[b]! ? -1 : 1),
      );
      for (const j of members.slice(0, k)) out[j]!.values[i] = inner[j]!.values[i];
    }
  }
  return out;
}
