/**
 * What a query reads before it evaluates: each selector's time window over all steps, the tier (from the
 * query's range and step, never coarser than a quarter of its shortest range selector), and the series.
 */
import type { StoragePort } from '../../storage/index.js';
import { METRIC_FREQUENCIES, type MetricRowCache, pickFrequency } from '../metrics/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { newStats, type QueryStats } from '../query/stats.js';
import type { Expr, VectorSelector } from './ast.js';
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
  /** The samples it may read over the whole frame: `[fromMs, toMs]`. */
  fromMs: number;
  toMs: number;
}

/**
 * The selectors of an expression, each with the range it looks back over (the lookback for instant ones)
 * and the samples it may read over the frame: its evaluation times are the frame's, or inside a subquery
 * the subquery's window `[end - range, end]` for each of its ends (a fixed end under `@`), moved by
 * `offset` and pinned by `@`.
 */
export function selectorsOf(expr: Expr, frame: TimeFrame): SelectorUse[] {
  const out: SelectorUse[] = [];
  /** The times the expression being walked is evaluated at: `[fromMs, toMs]`. */
  type Times = { fromMs: number; toMs: number };
  const walk = (e: Expr, times: Times): void => {
    const inner = (x: Expr) => walk(x, times);
    const use = (selector: VectorSelector, backMs: number, range: boolean) => {
      const fromMs = selectorTime(selector, times.fromMs, frame) - backMs;
      out.push({ selector, backMs, range, fromMs, toMs: selectorTime(selector, times.toMs, frame) });
    };
    switch (e.kind) {
      case 'vector':
        use(e, frame.lookbackMs, false);
        return;
      case 'matrix':
        use(e.vector, e.rangeMs, true);
        return;
      case 'subquery': {
        // its inside is evaluated at its steps in `[end - range, end]`, `end` its own time at each of ours
        const fromMs = selectorTime(e, times.fromMs, frame) - e.rangeMs;
        walk(e.expr, { fromMs, toMs: selectorTime(e, times.toMs, frame) });
        return;
      }
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
  walk(expr, { fromMs: frame.startMs, toMs: frame.endMs });
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
  const selectors = selectorsOf(expr, frame);
  const frequencyMs = options.frequencyMs ?? tierFor(frame, selectors);
  const data = new Map<VectorSelector, Series[]>();
  const byMatchers = new Map<string, { fromMs: number; toMs: number; selectors: VectorSelector[] }>();
  for (const { selector, fromMs, toMs } of selectors) {
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
