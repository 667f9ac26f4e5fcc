// The ingest's fast paths give what the general code gives: UTC ISO times without a regex, the day of a
// time from a one-day memo, and JSON lines read through a per-key-list plan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateintOf, parseTimestampNs } from '../../src/lake/index.js';
import { jsonRecordToLog } from '../../src/lake/ingest/ndjson.js';

const two = (n: number) => String(n).padStart(2, '0');

describe('ingest fast paths', () => {
  it('reads YYYY-MM-DDTHH:MM:SS[.f]Z as the general parser reads the same time at +00:00', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 1000, max: 9999 }),
          month: fc.integer({ min: 0, max: 99 }),
          day: fc.integer({ min: 0, max: 99 }),
          hour: fc.integer({ min: 0, max: 99 }),
          minute: fc.integer({ min: 0, max: 99 }),
          second: fc.integer({ min: 0, max: 99 }),
          fraction: fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }),
          sep: fc.constantFrom('T', ' '),
        }),
        (t) => {
          const base = `${t.year}-${two(t.month)}-${two(t.day)}${t.sep}${two(t.hour)}:${two(t.minute)}:${two(t.second)}`;
          const text = t.fraction === undefined ? base : `${base}.${t.fraction}`;
          expect(parseTimestampNs(`${text}Z`)).toBe(parseTimestampNs(`${text}+00:00`));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads valid UTC times to the nanosecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Date.UTC(9999, 11, 31) / 1000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (seconds, nanos) => {
          const text = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
          expect(parseTimestampNs(text)).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
        },
      ),
    );
    expect(parseTimestampNs('2026-01-02T03:04:05Z')).toBe(1767323045000000000n);
    expect(parseTimestampNs('2026-01-02T03:04:05.5Z')).toBe(1767323045500000000n);
    expect(parseTimestampNs('2026-01-02T03:04:05.Z')).toBeUndefined();
    expect(parseTimestampNs('2026-01-02T03:04:0xZ')).toBeUndefined();
  });

  it('gives every time its UTC day, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -86_400_000 * 400, max: Date.UTC(2200, 0, 1) })), (times) => {
        for (const ms of times) {
          const d = new Date(ms);
          expect(dateintOf(ms)).toBe(
            d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate(),
          );
        }
      }),
    );
  });

  it('reads records of changing key lists by their own keys', () => {
    const a = jsonRecordToLog({ ts: '2026-01-02T03:04:05Z', msg: 'one', level: 'INFO', user: 'ann' });
    const b = jsonRecordToLog({ ts: 'soon', time: 1767323045, msg: null, body: 'two', user: 'bob' });
    const c = jsonRecordToLog({ ts: '2026-01-02T03:04:05Z', msg: 'three', level: 'INFO', user: 'cy' });
    const d = jsonRecordToLog({ log_message: null, message: 'x', Timestamp: 1767323045, resource_host: 'h' });
    expect(a).toMatchObject({ message: 'one', level: 'INFO', attributes: { user: 'ann' }, columns: {} });
    expect(b).toMatchObject({ timestampNs: 1767323045000000000n, message: 'two' });
    // `ts` did not parse, so it stays an attribute; `msg` was null, so `body` is the message
    expect(b!.attributes).toEqual({ ts: 'soon', msg: null, user: 'bob' });
    expect(c).toMatchObject({ message: 'three', attributes: { user: 'cy' } });
    // log_message is the message column even when null; message is then an attribute
    expect(d).toMatchObject({ message: '', attributes: { message: 'x' }, columns: { resource_host: 'h' } });
    expect(jsonRecordToLog({ msg: 'no time' })).toBeUndefined();
  });
});
