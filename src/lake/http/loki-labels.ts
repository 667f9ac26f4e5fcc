/**
 * Label names, label values and series for the Loki API. Names and values come from the day indexes
 * (columns present, exact values) without reading segments when the index knows them; series, and values
 * the index does not list, come from `lake.count` split by the label columns (agg files when they allow).
 */
import { bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { readDayIndex } from '../catalog/cas.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { Lake } from '../lake.js';
import { type LogExpr, parseLogQL } from '../logql/index.js';
import { isLabelColumn } from '../logql/labels.js';
import { pushdown } from '../logql/pushdown.js';
import { dateintsBetween } from '../names.js';
import { columnOf } from '../query/plan.js';

interface Range {
  start: number;
  end: number;
}

async function segmentsIn(port: StoragePort, org: string, range: Range): Promise<IndexedSegment[]> {
  const out: IndexedSegment[] = [];
  const end = Math.max(range.end, range.start + 1);
  for (const dateint of dateintsBetween(range.start, end)) {
    const { index } = await readDayIndex(port, org, dateint);
    for (const s of index.segments) if (s.published && s.endMs > range.start && s.startMs < end) out.push(s);
  }
  return out;
}

function selector(text: string): LogExpr {
  const expr = parseLogQL(text);
  if (expr.kind !== 'log' || expr.pipeline.length > 0)
    throw bkError(
      'InvalidArgument',
      `${JSON.stringify(text)} is not a stream selector such as {service="api"}`,
    );
  return expr;
}

/** The label names of the streams in a range (sorted). */
export async function labelNames(
  lake: Lake,
  port: StoragePort,
  org: string,
  range: Range,
  query: string | null,
): Promise<string[]> {
  if (query) {
    const series = await seriesOf(lake, port, org, range, [query]);
    return [...new Set(series.flatMap((s) => Object.keys(s)))].sort();
  }
  const names = new Set<string>();
  for (const s of await segmentsIn(port, org, range))
    for (const c of s.columns) if (isLabelColumn(c)) names.add(c);
  return [...names].sort();
}

/** The values of one label in a range (sorted). */
export async function labelValues(
  lake: Lake,
  port: StoragePort,
  org: string,
  range: Range,
  name: string,
  query: string | null,
): Promise<string[]> {
  const column = columnOf(name);
  if (!query) {
    const segments = (await segmentsIn(port, org, range)).filter((s) => s.columns.includes(column));
    if (segments.every((s) => Array.isArray(s.exact[column])))
      return [...new Set(segments.flatMap((s) => s.exact[column]!))].sort();
  }
  const expr = query ? selector(query) : undefined;
  const plan = expr
    ? pushdown(expr)
    : { where: {}, match: [{ name: column, op: '=~' as const, value: '.+' }] };
  const counted = await lake.count({
    org,
    from: range.start,
    to: Math.max(range.end, range.start + 1),
    by: [column],
    where: plan.where,
    match: plan.match,
  });
  return [...new Set(counted.series.map((s) => s.labels[column]).filter((v): v is string => !!v))].sort();
}

/** The distinct label sets of streams matching any of the selectors. */
export async function seriesOf(
  lake: Lake,
  port: StoragePort,
  org: string,
  range: Range,
  selectors: readonly string[],
): Promise<Record<string, string>[]> {
  const columns = new Set<string>();
  for (const s of await segmentsIn(port, org, range))
    for (const c of s.columns) if (isLabelColumn(c)) columns.add(c);
  const seen = new Map<string, Record<string, string>>();
  for (const text of selectors) {
    const plan = pushdown(selector(text));
    const counted = await lake.count({
      org,
      from: range.start,
      to: Math.max(range.end, range.start + 1),
      by: [...columns],
      where: plan.where,
      match: plan.match,
    });
    for (const s of counted.series) seen.set(JSON.stringify(Object.entries(s.labels).sort()), s.labels);
  }
  return [...seen.values()];
}
