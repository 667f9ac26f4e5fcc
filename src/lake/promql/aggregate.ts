/** Aggregation operators over an instant vector: groups by `by`/`without` labels, Prometheus 2.x's arithmetic. */
import { DDSketch } from '../sketch/index.js';
import type { AggregateOp } from './ast.js';
import { dropName, keepLabels, type Labels, labelsKey, withoutLabels } from './labels.js';
import { quantileOf, variance } from './sample-stats.js';
import type { VectorSample } from './value.js';

interface Group {
  labels: Labels;
  samples: VectorSample[];
}

/**
 * Aggregates `samples`; `param` is k (topk/bottomk) or φ (quantile).
 *
 * @example
 * ```ts
 * aggregate('sum', samples, ['job'], false); // one sample per job
 * ```
 */
export function aggregate(
  op: AggregateOp,
  samples: readonly VectorSample[],
  grouping: readonly string[],
  without: boolean,
  param = Number.NaN,
): VectorSample[] {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = without ? withoutLabels(dropName(s.labels), grouping) : keepLabels(s.labels, grouping);
    const key = labelsKey(labels);
    const group = groups.get(key);
    if (group) group.samples.push(s);
    else groups.set(key, { labels, samples: [s] });
  }
  const out: VectorSample[] = [];
  for (const group of groups.values()) {
    if (op === 'topk' || op === 'bottomk') {
      out.push(...selectK(group.samples, param, op === 'topk'));
      continue;
    }
    const value = reduce(op, group.samples, param);
    out.push({ labels: group.labels, v: value.v, ...(value.sketch ? { sketch: value.sketch } : {}) });
  }
  return out;
}

function reduce(op: AggregateOp, samples: VectorSample[], param: number): { v: number; sketch?: DDSketch } {
  const values = samples.map((s) => s.v);
  switch (op) {
    case 'sum': {
      if (samples.every((s) => s.sketch)) {
        const merged = new DDSketch();
        for (const s of samples) merged.merge(s.sketch!);
        return { v: values.reduce((a, b) => a + b, 0), sketch: merged };
      }
      return { v: values.reduce((a, b) => a + b, 0) };
    }
    case 'avg':
      return { v: runningMean(values) };
    case 'count':
      return { v: values.length };
    case 'group':
      return { v: 1 };
    case 'min':
      return { v: values.reduce((m, x) => (x < m || Number.isNaN(m) ? x : m)) };
    case 'max':
      return { v: values.reduce((m, x) => (x > m || Number.isNaN(m) ? x : m)) };
    case 'stddev':
      return { v: Math.sqrt(variance(values)) };
    case 'stdvar':
      return { v: variance(values) };
    case 'quantile':
      return { v: quantileOf(param, values) };
    default:
      throw new Error(`unreachable aggregation ${op}`);
  }
}

/** Prometheus 2.x's `avg`: an incremental mean (it switches to it only on overflow; equal within 1e-15). */
function runningMean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  if (Number.isFinite(mean) || values.some((v) => !Number.isFinite(v))) return mean;
  let m = 0;
  values.forEach((v, i) => {
    m += v / (i + 1) - m / (i + 1);
  });
  return m;
}

/** topk/bottomk: the k largest/smallest samples with their own labels (NaN ranks last). */
function selectK(samples: VectorSample[], k: number, top: boolean): VectorSample[] {
  const n = Math.floor(k);
  if (!(n >= 1)) return [];
  const rank = (v: number) =>
    Number.isNaN(v) ? (top ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY) : v;
  const sorted = [...samples].sort((a, b) => (top ? rank(b.v) - rank(a.v) : rank(a.v) - rank(b.v)));
  return sorted.slice(0, n);
}
