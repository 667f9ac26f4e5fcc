/**
 * Binary operators as Prometheus 2.x applies them: scalar/scalar, vector/scalar and vector/vector with
 * one-to-one, many-to-one and one-to-many matching, comparisons filtering or (`bool`) giving 0/1, and the
 * set operators `and`, `or`, `unless`.
 */
import type { Binary, BinaryOp } from './ast.js';
import { promqlError } from './errors.js';
import { dropName, keepLabels, type Labels, labelsKey, signature, withoutLabels } from './labels.js';
import type { VectorSample } from './value.js';

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * `lhs op rhs` for two numbers: the value and whether a comparison holds (arithmetic always keeps).
 *
 * @example
 * ```ts
 * applyOp('/', 1, 0); // { value: Infinity, keep: true }
 * ```
 */
export function applyOp(op: BinaryOp, lhs: number, rhs: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: lhs + rhs, keep: true };
    case '-':
      return { value: lhs - rhs, keep: true };
    case '*':
      return { value: lhs * rhs, keep: true };
    case '/':
      return { value: lhs / rhs, keep: true };
    case '%':
      return { value: lhs % rhs, keep: true };
    case '^':
      return { value: lhs ** rhs, keep: true };
    case '==':
      return { value: lhs, keep: lhs === rhs };
    case '!=':
      return { value: lhs, keep: lhs !== rhs };
    case '<':
      return { value: lhs, keep: lhs < rhs };
    case '<=':
      return { value: lhs, keep: lhs <= rhs };
    case '>':
      return { value: lhs, keep: lhs > rhs };
    case '>=':
      return { value: lhs, keep: lhs >= rhs };
    default:
      throw promqlError('type', `operator "${op}" not allowed between these operands`);
  }
}

/** scalar op scalar (comparisons need `bool`, which the type check enforces). */
export function scalarBinary(e: Binary, lhs: number, rhs: number): number {
  const { value, keep } = applyOp(e.op, lhs, rhs);
  return COMPARISONS.has(e.op) ? (keep ? 1 : 0) : value;
}

/** vector op scalar or scalar op vector; a comparison keeps the vector's own value. */
export function vectorScalarBinary(
  e: Binary,
  vector: readonly VectorSample[],
  scalar: number,
  scalarLeft: boolean,
): VectorSample[] {
  const out: VectorSample[] = [];
  const comparison = COMPARISONS.has(e.op);
  for (const s of vector) {
    let { value, keep } = scalarLeft ? applyOp(e.op, scalar, s.v) : applyOp(e.op, s.v, scalar);
    // a comparison filters the vector's samples; with the scalar on the left the value is still the sample's
    if (comparison && scalarLeft) value = s.v;
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = !comparison || e.returnBool ? dropName(s.labels) : s.labels;
    out.push({ labels, v: value });
  }
  return out;
}

/** vector op vector. */
export function vectorBinary(
  e: Binary,
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
): VectorSample[] {
  const m = e.matching;
  const sig = (s: VectorSample) => signature(s.labels, m.on, m.labels);
  if (e.op === 'and' || e.op === 'unless') {
    const right = new Set(rhs.map(sig));
    return lhs.filter((s) => right.has(sig(s)) === (e.op === 'and'));
  }
  if (e.op === 'or') {
    const left = new Set(lhs.map(sig));
    return [...lhs, ...rhs.filter((s) => !left.has(sig(s)))];
  }
  const oneToMany = m.card === 'one-to-many';
  // the "one" side, indexed by signature; duplicates there are an error
  const [many, one] = oneToMany ? [rhs, lhs] : [lhs, rhs];
  const ones = new Map<string, VectorSample>();
  for (const s of one) {
    const key = sig(s);
    if (ones.has(key)) {
      const side = oneToMany ? 'left' : 'right';
      throw promqlError(
        'execution',
        `found duplicate series for the match group ${key} on the ${side} hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    ones.set(key, s);
  }
  const out: VectorSample[] = [];
  const seen = new Map<string, string>();
  const comparison = COMPARISONS.has(e.op);
  for (const s of many) {
    const key = sig(s);
    const other = ones.get(key);
    if (!other) continue;
    const [l, r] = oneToMany ? [other, s] : [s, other];
    let { value, keep } = applyOp(e.op, l.v, r.v);
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = resultLabels(s.labels, other.labels, e, !comparison || e.returnBool);
    const outKey = labelsKey(labels);
    if (m.card === 'one-to-one') {
      if (seen.has(outKey))
        throw promqlError(
          'execution',
          `multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)`,
        );
    } else if (seen.has(outKey)) {
      throw promqlError(
        'execution',
        'multiple matches for labels: grouping labels must ensure unique matches',
      );
    }
    seen.set(outKey, key);
    out.push({ labels, v: value });
  }
  return out;
}

/** Prometheus's `resultMetric`: the "many" side's labels, reduced for one-to-one, with `group_x` labels copied. */
function resultLabels(many: Labels, one: Labels, e: Binary, dropMetricName: boolean): Labels {
  let labels: Record<string, string> = dropMetricName ? { ...dropName(many) } : { ...many };
  if (e.matching.card === 'one-to-one')
    labels = e.matching.on ? keepLabels(labels, e.matching.labels) : withoutLabels(labels, e.matching.labels);
  for (const name of e.matching.include) {
    const v = one[name];
    if (v !== undefined && v !== '') labels[name] = v;
    else delete labels[name];
  }
  return labels;
}
