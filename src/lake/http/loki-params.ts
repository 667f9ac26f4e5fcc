/** Loki's query parameters: times (ns, s, or RFC 3339), `since`, `step` (duration or seconds), limit, direction. */
import { bkError } from '../../errors.js';
import { parseDurationMs } from '../logql/index.js';

/**
 * A Loki timestamp in ms: an integer of nanoseconds (10 digits or fewer: seconds), a decimal number of
 * seconds, or RFC 3339 text.
 *
 * @example
 * ```ts
 * parseLokiTime('1767225600000000000', 0); // 1767225600000
 * ```
 */
export function parseLokiTime(value: string | null, fallback: number, name = 'time'): number {
  if (value === null || value === '') return fallback;
  if (/^-?\d+$/.test(value)) {
    return value.replace('-', '').length <= 10 ? Number(value) * 1000 : Number(BigInt(value) / 1_000_000n);
  }
  if (/^-?\d*\.\d+$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = Date.parse(value);
  if (/^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(ms)) return ms;
  throw bkError(
    'InvalidArgument',
    `invalid ${name} ${JSON.stringify(value)}: use Unix nanoseconds, seconds or RFC 3339`,
  );
}

/** A step: a duration (`15s`, `1m`) or a number of seconds; ms. */
export function parseLokiStep(value: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : durationOrThrow(value);
  if (!Number.isFinite(ms) || ms < 1)
    throw bkError(
      'InvalidArgument',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  return Math.round(ms);
}

function durationOrThrow(value: string): number {
  try {
    return parseDurationMs(value);
  } catch {
    throw bkError(
      'InvalidArgument',
      `invalid step ${JSON.stringify(value)}: use a duration (15s) or seconds`,
    );
  }
}

/** Loki's default step: the range over 250 points, at least one second. */
export function defaultStep(startMs: number, endMs: number): number {
  return Math.max(Math.floor((endMs - startMs) / 1000 / 250), 1) * 1000;
}

/** `start`/`end` (or `since` back from `end`), defaulting to the last hour. */
export function timeRangeOf(params: URLSearchParams, now: number): { start: number; end: number } {
  const end = parseLokiTime(params.get('end'), now, 'end');
  const since = params.get('since');
  const start = parseLokiTime(
    params.get('start'),
    end - (since ? durationOrThrow(since) : 3_600_000),
    'start',
  );
  if (end < start)
    throw bkError('InvalidArgument', 'end timestamp must not be before or equal to start time');
  return { start, end };
}

/** `limit` (default 100) and `direction` (default backward). */
export function limitAndDirection(params: URLSearchParams): {
  limit: number;
  direction: 'forward' | 'backward';
} {
  const raw = params.get('limit');
  const limit = raw === null || raw === '' ? 100 : Number(raw);
  if (!Number.isInteger(limit) || limit < 0)
    throw bkError('InvalidArgument', 'limit must be a positive value');
  const dir = (params.get('direction') ?? 'backward').toLowerCase();
  if (dir !== 'forward' && dir !== 'backward')
    throw bkError('InvalidArgument', 'direction must be forward or backward');
  return { limit, direction: dir };
}
