/**
 * Functions over an instant vector: math (`abs`, `ceil`, `round`, `clamp`…), `timestamp`, `absent`,
 * `sort`, `label_replace`/`label_join`, and `histogram_quantile` over classic `le` buckets or sketches.
 */
import { compileLabelRegex } from '../logql/regex.js';
import { promqlError } from './errors.js';
import { dropName, type Labels, labelsKey } from './labels.js';
import type { VectorSample } from './value.js';

const MATH: Readonly<Record<string, (v: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (v) => (Number.isNaN(v) ? v : Math.sign(v)),
};

/** `fn(vector, scalars…)` for the math functions; undefined when `fn` is not one. */
export function mathFunction(
  fn: string,
  samples: readonly VectorSample[],
  args: number[],
): VectorSample[] | undefined {
  const map = (f: (v: number) => number) => samples.map((s) => ({ labels: dropName(s.labels), v: f(s.v) }));
  const plain = MATH[fn];
  if (plain) return map(plain);
  switch (fn) {
    case 'round': {
      const to = args[0] ?? 1;
      // Prometheus rounds half up, on the inverse of the precision to limit float error
      const inverse = 1 / to;
      return map((v) => Math.floor(v * inverse + 0.5) / inverse);
    }
    case 'clamp': {
      const [min, max] = args as [number, number];
      if (max < min) return [];
      return map((v) => Math.max(min, Math.min(max, v)));
    }
    case 'clamp_min':
      return map((v) => Math.max(args[0]!, v));
    case 'clamp_max':
      return map((v) => Math.min(args[0]!, v));
    case 'timestamp':
      return samples.map((s) => ({ labels: dropName(s.labels), v: (s.t ?? 0) / 1000 }));
    default:
      return undefined;
  }
}

/**
 * `histogram_quantile(φ, buckets)`: classic buckets (series with `le`, grouped by their other labels) as
 * Prometheus interpolates them, and sketch series through the DDSketch's own quantile.
 */
export function histogramQuantile(q: number, samples: readonly VectorSample[]): VectorSample[] {
  const out: VectorSample[] = [];
  const groups = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
  for (const s of samples) {
    if (s.sketch) {
      out.push({
        labels: dropName(s.labels),
        v: boundedQuantile(q, () => (s.sketch!.count === 0 ? Number.NaN : s.sketch!.quantile(q))),
      });
      continue;
    }
    const leText = s.labels.le;
    if (leText === undefined) continue;
    const le = parseLe(leText);
    if (Number.isNaN(le)) continue;
    const { le: _, ...rest } = dropName(s.labels);
    const key = labelsKey(rest);
    const group = groups.get(key) ?? { labels: rest, buckets: [] };
    group.buckets.push({ le, count: s.v });
    groups.set(key, group);
  }
  for (const g of groups.values()) out.push({ labels: g.labels, v: bucketQuantile(q, g.buckets) });
  return out;
}

function parseLe(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === '+inf' || t === 'inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  return t === '' ? Number.NaN : Number(t);
}

function boundedQuantile(q: number, f: () => number): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  return f();
}

/** Prometheus's `bucketQuantile` (buckets coalesced by bound, counts made monotonic). */
function bucketQuantile(q: number, input: { le: number; count: number }[]): number {
  return boundedQuantile(q, () => {
    const sorted = [...input].sort((a, b) => a.le - b.le);
    if (sorted.length === 0 || sorted[sorted.length - 1]!.le !== Number.POSITIVE_INFINITY) return Number.NaN;
    const buckets: { le: number; count: number }[] = [];
    for (const b of sorted) {
      const last = buckets[buckets.length - 1];
      if (last && last.le === b.le) last.count += b.count;
      else buckets.push({ ...b });
    }
    let max = Number.NEGATIVE_INFINITY;
    for (const b of buckets) {
      if (b.count > max) max = b.count;
      else b.count = max;
    }
    if (buckets.length < 2) return Number.NaN;
    const observations = buckets[buckets.length - 1]!.count;
    if (observations === 0) return Number.NaN;
    let rank = q * observations;
    let b = buckets.slice(0, -1).findIndex((x) => x.count >= rank);
    if (b < 0) b = buckets.length - 1;
    if (b === buckets.length - 1) return buckets[buckets.length - 2]!.le;
    if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
    let start = 0;
    const end = buckets[b]!.le;
    let count = buckets[b]!.count;
    if (b > 0) {
      start = buckets[b - 1]!.le;
      count -= buckets[b - 1]!.count;
      rank -= buckets[b - 1]!.count;
    }
    return start + (end - start) * (rank / count);
  });
}

/** `label_replace(v, dst, replacement, src, regex)`. */
export function labelReplace(
  samples: readonly VectorSample[],
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): VectorSample[] {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst))
    throw promqlError('execution', `invalid destination label name in label_replace(): ${dst}`);
  let re: RegExp;
  try {
    re = compileLabelRegex(regex);
  } catch {
    throw promqlError('execution', `invalid regular expression in label_replace(): ${regex}`);
  }
  return samples.map((s) => {
    const m = re.exec(s.labels[src] ?? '');
    if (!m) return s;
    const value = replacement.replace(
      /\$(?:\{(\w+)\}|(\w+))/g,
      (_, braced: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare!;
        const group = /^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name];
        return group ?? '';
      },
    );
    const labels: Record<string, string> = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { ...s, labels };
  });
}

/** `label_join(v, dst, separator, src…)`. */
export function labelJoin(
  samples: readonly VectorSample[],
  dst: string,
  separator: string,
  sources: string[],
): VectorSample[] {
  return samples.map((s) => {
    const value = sources.map((n) => s.labels[n] ?? '').join(separator);
    const labels: Record<string, string> = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { ...s, labels };
  });
}
