/** `bucketkit lake query --logql QUERY`: a LogQL query against the lake, log lines or samples per line. */
import { evaluateLogQL, type Lake, parseLogQL } from '../lake/index.js';
import { err, out } from './output.js';

export interface LogQLCommand {
  org: string;
  query: string;
  from: number;
  to: number;
  /** Metric step in ms (default: the range over 250 points, at least 1 s, as Loki). */
  step?: number;
  limit: number;
  forward: boolean;
  json: boolean;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Runs one LogQL query and prints its result; the read cost goes to stderr.
 *
 * @example
 * ```ts
 * await runLogQLCommand(lake, { org: 'acme', query: '{service="api"} |= "timeout"', from, to, limit: 100, forward: false, json: false });
 * ```
 */
export async function runLogQLCommand(lake: Lake, command: LogQLCommand): Promise<number> {
  const expr = parseLogQL(command.query);
  const step = command.step ?? Math.max(Math.floor((command.to - command.from) / 250_000), 1) * 1000;
  const result = await evaluateLogQL(lake, {
    org: command.org,
    query: expr,
    start: command.from,
    end: command.to,
    ...(expr.kind === 'log' ? {} : { step }),
    limit: command.limit,
    direction: command.forward ? 'forward' : 'backward',
  });
  if (result.type === 'streams') {
    const entries = result.streams.flatMap((s) =>
      s.entries.map(([ns, line]) => ({ labels: s.labels, ns, line })),
    );
    entries.sort((a, b) => (a.ns === b.ns ? 0 : a.ns < b.ns === command.forward ? -1 : 1));
    for (const e of entries) {
      if (command.json) out(json(e));
      else out(`${new Date(Number(e.ns / 1_000_000n)).toISOString()} ${e.labels.log_level ?? '-'} ${e.line}`);
    }
  } else {
    for (const series of result.series) {
      for (const [t, value] of series.samples) {
        if (command.json) out(json({ labels: series.labels, t, value }));
        else out(`${new Date(t).toISOString()} ${json(series.labels)} ${value}`);
      }
    }
  }
  const s = result.stats;
  err(
    `${s.usedAggFiles ? 'agg files, ' : ''}${s.segmentsRead} of ${s.segmentsConsidered} segments read, ${s.requests} requests, ${s.bytesRead} bytes`,
  );
  return 0;
}
