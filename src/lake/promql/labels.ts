/** Label sets as the evaluator keeps them: plain objects, compared and grouped by a canonical key. */

export type Labels = Readonly<Record<string, string>>;

/**
 * A canonical key for a label set (sorted names, empty values left out, as Prometheus has no empty labels).
 *
 * @example
 * ```ts
 * labelsKey({ b: '2', a: '1' }) === labelsKey({ a: '1', b: '2' }); // true
 * ```
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels)
    .filter((n) => labels[n] !== '')
    .sort();
  return JSON.stringify(names.map((n) => [n, labels[n]]));
}

/** The labels without `__name__`. */
export function dropName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  const { __name__: _, ...rest } = labels;
  return rest;
}

/** Only the named labels (`by`, `on`). */
export function keepLabels(labels: Labels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined && labels[n] !== '') out[n] = labels[n]!;
  return out;
}

/** Every label but the named ones (`without`, `ignoring`). */
export function withoutLabels(labels: Labels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  for (const n of names) delete out[n];
  return out;
}

/**
 * The matching signature of a sample: the `on` labels, or every label but the `ignoring` ones and the name.
 *
 * @example
 * ```ts
 * signature({ __name__: 'x', job: 'a', i: '1' }, true, ['job']); // key of { job: 'a' }
 * ```
 */
export function signature(labels: Labels, on: boolean, names: readonly string[]): string {
  return labelsKey(on ? keepLabels(labels, names) : withoutLabels(dropName(labels), names));
}

/** Prometheus's order of label sets in sorted outputs: by name/value pairs, name first. */
export function compareLabels(a: Labels, b: Labels): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const na = ka[i]!;
    const nb = kb[i]!;
    if (na !== nb) return na < nb ? -1 : 1;
    const va = a[na]!;
    const vb = b[nb]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}
