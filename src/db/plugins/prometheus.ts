/** The Prometheus text exposition format (version 0.0.4) for the metrics plugin: families and escaping. */

/** One sample: a metric name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** A metric family: its samples share `# HELP` and `# TYPE` lines. */
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: readonly Sample[];
}

/**
 * Families as Prometheus text, ending with a newline.
 *
 * @example
 * ```ts
 * exposition([{ name: 'x_total', help: 'Xs.', type: 'counter', samples: [{ name: 'x_total', labels: {}, value: 1 }] }]);
 * // '# HELP x_total Xs.\n# TYPE x_total counter\nx_total 1\n'
 * ```
 */
export function exposition(families: readonly Family[]): string {
  let out = '';
  for (const family of families) {
    out += `# HELP ${family.name} ${family.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n`;
    out += `# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples)
      out += `${sample.name}${labelText(sample.labels)} ${number(sample.value)}\n`;
  }
  return out;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function number(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}
