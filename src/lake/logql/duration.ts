/** Prometheus/Loki durations (`5m`, `1h30m`, `250ms`, `1.5s`) in milliseconds. */
import { bkError } from '../../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * Milliseconds of a duration such as `5m` or `1h30m`.
 *
 * @example
 * ```ts
 * parseDurationMs('1m30s'); // 90000
 * ```
 */
export function parseDurationMs(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw bkError('InvalidArgument', `${JSON.stringify(text)} is not a duration (e.g. 30s, 5m, 1h30m)`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}
