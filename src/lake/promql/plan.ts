/**
 * What a query reads before it evaluates: each selector's time window over all steps, the tier (from the
 * query's range and step, never coarser than a quarter of its shortest range selector), and the series.
 */
import type { StoragePort } from '../../storage/index.js';
import { METRIC_FREQUENCIES, type MetricRowCache, pickFrequency } from '../metrics/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { newStats, type QueryStats } from '../query/stats.js';
import type { Expr, VectorSelector } from './ast.js';
import { promqlError } from './errors.js';
import { addStats, loadSeries, type Series } from './source.js';

export interface TimeFrame {
  startMs: number;
  endMs: number;
  stepMs: number;
  lookbackMs: number;
}

export interface SelectorUse {
  selector: VectorSelector;
  /** How far back from its evaluation time it reads: its range, or the lookback. */
  backMs: number;
  range: boolean;
  /** Inside subqueries: how much further back it is evaluated (their ranges), and earlier (their offsets). */
  subqueryBackMs: number;
  subqueryOffsetMs: number;
}

/** The selectors of an expression, each with the range it looks back over (the lookback for instant ones). */
export function selectorsOf(expr: Expr, lookbackMs: number): SelectorUse[] {
  const out: SelectorUse[] = [];
  const walk = (e: Expr, subqueryBackMs: number, subqueryOffsetMs: number): void => {
    const inner = (x: Expr) => walk(x, subqueryBackMs, subqueryOffsetMs);
    switch (e.kind) {
      case 'vector':
        out.push({ selector: e, backMs: lookbackMs, range: false, subqueryBackMs, subqueryOffsetMs });
        return;
      case 'matrix':
        out.push({ selector: e.vector, backMs: e.rangeMs, range: true, subqueryBackMs, subqueryOffsetMs });
        return;
      case 'subquery':
        if (e.at !== undefined) throw promqlError('unsupported', '@ on a subquery is not supported');
        walk(e.expr, subqueryBackMs + e.rangeMs, subqueryOffsetMs + e.offsetMs);
        return;
      case 'call':
        e.args.forEach(inner);
        return;
      case 'aggregate':
        if (e.param) inner(e.param);
        inner(e.expr);
        return;
      case 'binary':
        inner(e.lhs);
        inner(e.rhs);
        return;
      case 'unary':
      case 'paren':
        inner(e.expr);
        return;
      default:
        return;
    }
  };
  walk(expr, 0, 0);
  return out;
}

/** The time a selector (or subquery) is evaluated at for query time `t` (its `@`, then its offset). */
export function selectorTime(
  selector: { offsetMs: number; at?: number | 'start' | 'end' },
  t: number,
  frame: TimeFrame,
): number {
  const at =
    selector.at === 'start' ? frame.startMs : selector.at === 'end' ? frame.endMs : (selector.at ?? t);
  return at - selector.offsetMs;
}

/**
 * The tier a query reads: LakeRunner's choice by range and step, but no coarser than a quarter of the
 * shortest range selector (a `[5m]` rate over 5 m rows would see one row).
 *
 * @example
 * ```ts
 * tierFor(frame, [{ backMs: 300_000 }]); // 60_000 for a 24 h range at a 5 m step
 * ```
 */
export function tierFor(frame: TimeFrame, selectors: readonly { backMs: number; range: boolean }[]): number {
  const byQuery = pickFrequency(frame.endMs - frame.startMs, frame.stepMs > 0 ? frame.stepMs : undefined);
  const ranges = selectors.filter((s) => s.range).map((s) => s.backMs);
  if (ranges.length === 0) return byQuery;
  const shortest = Math.min(...ranges);
  const byRange = [...METRIC_FREQUENCIES].reverse().find((f) => f <= shortest / 4) ?? METRIC_FREQUENCIES[0];
  return Math.min(byQuery, byRange);
}

export interface LoadOptions {
  org: string;
  frequencyMs?: number;
  zstd?: ZstdCodec;
  signal?: AbortSignal;
  stats?: QueryStats;
  cache?: MetricRowCache;
}

/**
 * Loads the series of every selector of `expr` for the whole frame, one read per distinct matcher set.
 *
 * @example
 * ```ts
 * const { data, frequencyMs } = await loadFrame(port, expr, frame, { org: 'acme' });
 * ```
 */
export async function loadFrame(
  port: StoragePort,
  expr: Expr,
  frame: TimeFrame,
  options: LoadOptions,
): Promise<{ data: Map<VectorSelector, Series[]>; frequencyMs: number }> {
  const selectors = selectorsOf(expr, frame.lookbackMs);
  const frequencyMs = options.frequencyMs ?? tierFor(frame, selectors);
  const data = new Map<VectorSelector, Series[]>();
  const byMatchers = new Map<string, { fromMs: number; toMs: number; selectors: VectorSelector[] }>();
  for (const { selector, backMs, subqueryBackMs, subqueryOffsetMs } of selectors) {
    const fromMs = selectorTime(selector, frame.startMs - subqueryOffsetMs, frame) - backMs - subqueryBackMs;
    const toMs = selectorTime(selector, frame.endMs - subqueryOffsetMs, frame);
    const key = JSON.stringify(selector.matchers);
    const entry = byMatchers.get(key);
    if (entry) {
      entry.fromMs = Math.min(entry.fromMs, fromMs);
      entry.toMs = Math.max(entry.toMs, toMs);
      entry.selectors.push(selector);
    } else byMatchers.set(key, { fromMs, toMs, selectors: [selector] });
  }
  // a tier no rollup has filled for this time falls back to the next finer one
  for (let tier = frequencyMs; ; ) {
    const probe = newStats();
    for (const { fromMs, toMs, selectors: group } of byMatchers.values()) {
      const series = await loadSeries(port, {
        org: options.org,
        matchers: group[0]!.matchers,
        fromMs,
        toMs,
        frequencyMs: tier,
        zstd: options.zstd,
        signal: options.signal,
        stats: probe,
        cache: options.cache,
      });
      for (const s of group) data.set(s, series);
    }
    if (options.stats) addStats(options.stats, probe);
    const finer = [...METRIC_FREQUENCIES].reverse().find((f) => f < tier);
    if (probe.segmentsConsidered > 0 || finer === undefined || options.frequencyMs !== undefined)
      return { data, frequencyMs: tier };
    tier = finer;
  }
}
