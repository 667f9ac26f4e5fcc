/**
 * The options of `bucketkit lake ...` and what its commands share to read them: durations, times and
 * NAME=VALUE pairs.
 */
import { parseTimestampNs } from '../lake/index.js';
import { PROGRESS_OPTIONS, UsageError } from './output.js';

export type Values = {
  signal?: string;
  trace?: string;
  service?: string[];
  name?: string[];
  'min-duration'?: string;
  'max-duration'?: string;
  status?: string;
  kind?: string;
  org?: string;
  'prefix-org'?: string[];
  'single-writer'?: boolean;
  engine?: string;
  json?: boolean;
  from?: string;
  to?: string;
  where?: string[];
  contains?: string;
  regex?: string;
  limit?: string;
  forward?: boolean;
  step?: string;
  by?: string[];
  logql?: string;
  prefix?: string;
  interval?: string;
  once?: boolean;
  port?: string;
  host?: string;
  'request-timeout'?: string;
  'max-entries'?: string;
  'max-queries'?: string;
  bucket?: string[];
  day?: string;
  'target-bytes'?: string;
  'retention-days'?: string;
  grace?: string;
  progress?: boolean;
  'no-progress'?: boolean;
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration like `5m`. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`lake: "${text}" is not a duration (10s, 5m, 1h, 1d)`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** Epoch ms of `now`, `now-1h` or an absolute time. */
export function timeMs(text: string, nowMs: number): number {
  const relative = /^now(?:-(\w+))?$/.exec(text);
  if (relative) return nowMs - (relative[1] ? durationMs(relative[1]) : 0);
  const ns = parseTimestampNs(text);
  if (ns === undefined) throw new UsageError(`lake: "${text}" is not a time (ISO 8601, epoch, now, now-1h)`);
  return Number(ns / 1_000_000n);
}

export function pairs(list: string[] | undefined, what: string): Record<string, string[]> {
  const outPairs: Record<string, string[]> = {};
  for (const item of list ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`lake: ${what} "${item}" must be NAME=VALUE`);
    const name = item.slice(0, at);
    outPairs[name] = [...(outPairs[name] ?? []), item.slice(at + 1)];
  }
  return outPairs;
}

/** The option spec of every `lake` command (node:util parseArgs form). */
export const LAKE_OPTIONS = {
  org: { type: 'string' },
  'prefix-org': { type: 'string', multiple: true },
  'single-writer': { type: 'boolean' },
  engine: { type: 'string' },
  json: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  where: { type: 'string', multiple: true },
  contains: { type: 'string' },
  regex: { type: 'string' },
  limit: { type: 'string' },
  forward: { type: 'boolean' },
  step: { type: 'string' },
  by: { type: 'string', multiple: true },
  logql: { type: 'string' },
  prefix: { type: 'string' },
  interval: { type: 'string' },
  once: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'request-timeout': { type: 'string' },
  'max-entries': { type: 'string' },
  'max-queries': { type: 'string' },
  bucket: { type: 'string', multiple: true },
  day: { type: 'string' },
  'target-bytes': { type: 'string' },
  'retention-days': { type: 'string' },
  grace: { type: 'string' },
  signal: { type: 'string' },
  trace: { type: 'string' },
  service: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  'min-duration': { type: 'string' },
  'max-duration': { type: 'string' },
  status: { type: 'string' },
  kind: { type: 'string' },
  ...PROGRESS_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;
