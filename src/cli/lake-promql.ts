/** `bucketkit lake promql`: a PromQL query over the lake's metrics, instant or over a range. */
import { queryPromQL } from '../lake/index.js';
import type { StoragePort } from '../storage/index.js';
import { durationMs, timeMs, type Values } from './lake-options.js';
import { err, out, UsageError } from './output.js';

/**
 * Runs one PromQL query and prints a line per sample (or JSON lines with `--json`); what it read goes
 * to stderr. With `--step` it is a range query from `--from` to `--to`, else an instant query at `--to`.
 *
 * @example
 * ```ts
 * await promqlCommand(port, 'sum by (job) (rate(http_requests_total[5m]))', { org: 'acme', step: '1m' });
 * ```
 */
export async function promqlCommand(
  port: StoragePort,
  query: string | undefined,
  values: Values,
): Promise<number> {
  if (!query) throw new UsageError('lake promql URL --org ORG QUERY (the query is missing)');
  if (!values.org) throw new UsageError('lake: --org ORG is required');
  const now = Date.now();
  const to = timeMs(values.to ?? 'now', now);
  const ranged = values.step !== undefined;
  const result = await queryPromQL(port, {
    org: values.org,
    query,
    ...(ranged
      ? { startMs: timeMs(values.from ?? 'now-1h', now), endMs: to, stepMs: durationMs(values.step!) }
      : { startMs: to }),
  });
  const line = (metric: Record<string, string>, [t, v]: [number, number | string]) =>
    values.json
      ? out(JSON.stringify({ metric, t, value: v }))
      : out(`${new Date(t).toISOString()} ${JSON.stringify(metric)} ${v}`);
  switch (result.resultType) {
    case 'scalar':
    case 'string':
      line({}, result.result);
      break;
    case 'vector':
      for (const sample of result.result) line(sample.metric, sample.value);
      break;
    case 'matrix':
      for (const series of result.result) for (const point of series.values) line(series.metric, point);
      break;
  }
  err(
    `tier ${result.frequencyMs / 1000}s; ${result.stats.segmentsRead} segments read, ${result.stats.bytesRead} bytes`,
  );
  return 0;
}
