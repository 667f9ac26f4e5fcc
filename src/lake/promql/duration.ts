/** PromQL durations (`5m`, `1h30m`, `250ms`) in milliseconds, with Prometheus's unit order checked. */

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/**
 * Milliseconds of a duration, or undefined when it is not one (units out of order or repeated, as
 * Prometheus refuses `5s1m`).
 *
 * @example
 * ```ts
 * durationMs('1h30m'); // 5_400_000
 * ```
 */
export function durationMs(text: string): number | undefined {
  let ms = 0;
  let last = -1;
  const parts = [...text.matchAll(/(\d+)(ms|[smhdwy])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  for (const [, n, unit] of parts) {
    const order = ORDER.indexOf(unit!);
    if (order <= last) return undefined;
    last = order;
    ms += Number(n) * UNIT_MS[unit!]!;
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}
