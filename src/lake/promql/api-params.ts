/** The Prometheus HTTP API's parameters and value formatting: times, steps, `match[]`, float text. */

import type { Matcher } from './ast.js';
import { durationMs } from './duration.js';
import { promqlError } from './errors.js';
import { parsePromQL } from './parser.js';

/**
 * A Prometheus API time in ms: Unix seconds (with a fraction) or RFC 3339; `fallback` when absent.
 *
 * @example
 * ```ts
 * parseApiTime('1767225600.5', 0); // 1767225600500
 * ```
 */
export function parseApiTime(value: string | null, fallback: number, name: string): number {
  if (value === null || value === '') return fallback;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) {
    const ms = Math.round(Number(value) * 1000);
    if (Number.isFinite(ms)) return ms;
  }
  if (/^\d{4}-\d\d-\d\dT/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw promqlError('parse', `invalid parameter "${name}": cannot parse "${value}" to a valid timestamp`);
}

/** A step or duration parameter: seconds (with a fraction) or a PromQL duration; ms. */
export function parseApiDuration(value: string | null, name: string): number {
  if (value !== null && /^(\d+\.?\d*|\.\d+)$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = value === null ? undefined : durationMs(value);
  if (ms === undefined)
    throw promqlError(
      'parse',
      `invalid parameter "${name}": cannot parse "${value ?? ''}" to a valid duration`,
    );
  return ms;
}

/**
 * A sample value as Prometheus writes it (Go's `strconv.FormatFloat(v, 'f', -1, 64)`): no exponent,
 * `NaN`, `+Inf`, `-Inf`.
 *
 * @example
 * ```ts
 * formatSampleValue(1e-7); // '0.0000001'
 * ```
 */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  const text = String(v);
  if (!text.includes('e')) return text;
  const [mantissa, exponentText] = text.split('e') as [string, string];
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt = mantissa.replace('-', '').indexOf('.');
  const intDigits = (pointAt < 0 ? digits.length : pointAt) + exponent;
  let out: string;
  if (intDigits <= 0) out = `0.${'0'.repeat(-intDigits)}${digits}`;
  else if (intDigits >= digits.length) out = digits + '0'.repeat(intDigits - digits.length);
  else out = `${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
  return negative ? `-${out}` : out;
}

/** The selectors of `match[]` parameters (at least one when `required`). */
export function matchSelectors(params: URLSearchParams, required: boolean): Matcher[][] {
  const values = params.getAll('match[]');
  if (required && values.length === 0) throw promqlError('parse', 'no match[] parameter provided');
  return values.map((text) => {
    const expr = parsePromQL(text);
    if (expr.kind !== 'vector')
      throw promqlError('parse', `invalid parameter "match[]": ${text} is not an instant vector selector`);
    return expr.matchers;
  });
}
