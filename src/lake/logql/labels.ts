/** Loki labels of lake rows: the stream labels a row carries, label lookup with the lake's aliases. */
import type { LogRow } from '../query/logs.js';
import { columnOf } from '../query/plan.js';

export type Labels = Record<string, string>;

/** Columns that are not labels: the internal `chq_*` columns, the message, per-line `attr_*` fields. */
export function isLabelColumn(column: string): boolean {
  return !column.startsWith('chq_') && column !== 'log_message' && !column.startsWith('attr_');
}

/**
 * A row's stream labels: its label columns with a non-empty value.
 *
 * @example
 * ```ts
 * streamLabels(row); // { log_level: 'ERROR', resource_service_name: 'api', ... }
 * ```
 */
export function streamLabels(row: LogRow): Labels {
  const labels: Labels = {};
  for (const name in row) {
    if (!isLabelColumn(name)) continue;
    const value = String(row[name]);
    if (value !== '') labels[name] = value;
  }
  return labels;
}

/** The value of a label by its name, or by the column its alias names (`level` → `log_level`). */
export function labelValue(labels: Labels, name: string): string | undefined {
  return labels[name] ?? labels[columnOf(name)];
}

/** A stable key for a label set. */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
