// The queries the lake browser test asks in the page and in Node, and how rows become JSON.
import type { CountQuery, LogRow, LogsQuery } from '../../src/lake/browser.js';

/** Where the test's data starts (2026-01-02 10:00 UTC); it runs into the next day. */
export const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
const HOUR = 3_600_000;

export const LAKE_QUERIES: { logs: Record<string, LogsQuery>; count: Record<string, CountQuery> } = {
  logs: {
    newest: { org: 'acme', from: T0, to: T0 + 30 * HOUR, limit: 50 },
    errorsForward: {
      org: 'acme',
      from: T0,
      to: T0 + 30 * HOUR,
      where: { level: 'ERROR', service: ['api', 'search'] },
      order: 'forward',
      limit: 400,
    },
    needle: { org: 'acme', from: T0, to: T0 + 30 * HOUR, contains: 'id=req-4242' },
    regexWindow: { org: 'acme', from: T0 + 2 * HOUR, to: T0 + 3 * HOUR, regex: 'took 9[0-6]ms', limit: 1000 },
  },
  count: {
    byLevel: { org: 'acme', from: T0 - 10 * HOUR, to: T0 + 38 * HOUR, step: 300_000, by: ['level'] },
    byServiceErrors: {
      org: 'acme',
      from: T0,
      to: T0 + 30 * HOUR,
      step: HOUR,
      by: ['service'],
      where: { level: 'ERROR' },
    },
    fromTables: { org: 'acme', from: T0 + 1234, to: T0 + 30 * HOUR, step: 3_600_000, contains: 'took 1' },
  },
};

/** A query's rows as JSON-safe objects (64-bit integers as decimal text). */
export async function plainRows(rows: AsyncIterable<LogRow>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of rows) {
    out.push(
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v])),
    );
  }
  return out;
}
