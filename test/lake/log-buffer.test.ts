/**
 * The column buffer an ingest collects a segment's rows in gives back every row as it was added, in
 * LakeRunner's sort order, whatever the values: repeated or unique, long, non-ASCII, a leading BOM,
 * missing fields, null levels and fingerprints, and more distinct values than its dictionaries keep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CookedLog } from '../../src/lake/ingest/normalise.js';
import { LogBuffer } from '../../src/lake/segments/log-buffer.js';
import { sortOrder } from '../../src/lake/segments/sort-order.js';

const T0 = 1_767_312_000_000n * 1_000_000n;
const text = fc.oneof(
  fc.constantFrom('', 'api', 'billing', '\uFEFFbom', 'żółć', '日本', 'a'.repeat(300)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const row: fc.Arbitrary<CookedLog> = fc
  .record({
    offset: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
    fingerprint: fc.option(fc.oneof(int64, fc.bigInt({ min: -3n, max: 3n })), { nil: null }),
    customer: fc.constantFrom('acme', 'globex'),
    message: text,
    level: fc.option(fc.constantFrom('INFO', 'ERROR', 'DEBUG'), { nil: null }),
    fields: fc.dictionary(fc.constantFrom('resource_service_name', 'attr_user', 'scope_name'), text),
  })
  .map(({ offset, fingerprint, customer, message, level, fields }) => {
    const tsns = T0 + offset;
    return {
      chq_timestamp: Number(tsns / 1_000_000n),
      chq_tsns: tsns,
      chq_fingerprint: fingerprint,
      chq_telemetry_type: 'logs' as const,
      chq_customer_id: customer,
      log_message: message,
      log_level: level,
      fields,
    };
  });

/** The reference order: stream value, fingerprint (null first), time, then arrival. */
function referenceOrder(rows: readonly CookedLog[], field: string): number[] {
  const stream = (r: CookedLog) => r.fields[field] ?? '';
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = rows[a]!;
      const rb = rows[b]!;
      if (stream(ra) !== stream(rb)) return stream(ra) < stream(rb) ? -1 : 1;
      const fa = ra.chq_fingerprint;
      const fb = rb.chq_fingerprint;
      if (fa !== fb) {
        if (fa === null) return -1;
        if (fb === null) return 1;
        return fa < fb ? -1 : 1;
      }
      if (ra.chq_tsns !== rb.chq_tsns) return ra.chq_tsns < rb.chq_tsns ? -1 : 1;
      return a - b;
    });
}

describe('LogBuffer', () => {
  it('gives back every row as added, and sorts as LakeRunner does', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const buffer = LogBuffer.of(rows);
        expect(buffer.length).toBe(rows.length);
        rows.forEach((r, i) => {
          expect(buffer.row(i)).toEqual(r);
        });
        expect([...buffer.sortOrder('resource_service_name')]).toEqual(
          referenceOrder(rows, 'resource_service_name'),
        );
      }),
      { numRuns: 300, seed: 160901 },
    );
  });

  it('sorts long segments of few streams and fingerprints as the reference does, times going back included', () => {
    // the numeric sort keeps each (stream, fingerprint) group in arrival order and re-sorts only the groups
    // whose times go back: runs of equal times, late rows and groups already in order all occur here
    const segment = fc.array(
      fc.record({
        step: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 5n }), fc.bigInt({ min: -40n, max: -1n })),
        fingerprint: fc.option(
          fc.constantFrom(-(2n ** 63n), -1n, 0n, 7n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 63n - 1n),
          {
            nil: null,
          },
        ),
        stream: fc.option(fc.constantFrom('api', 'billing', 'web'), { nil: undefined }),
      }),
      { minLength: 200, maxLength: 2_000 },
    );
    fc.assert(
      fc.property(segment, (steps) => {
        let tsns = T0;
        const rows = steps.map(({ step, fingerprint, stream }): CookedLog => {
          tsns += step;
          return {
            chq_timestamp: Number(tsns / 1_000_000n),
            chq_tsns: tsns,
            chq_fingerprint: fingerprint,
            chq_telemetry_type: 'logs',
            chq_customer_id: 'acme',
            log_message: 'm',
            log_level: null,
            fields: stream === undefined ? {} : { resource_service_name: stream },
          };
        });
        expect([...LogBuffer.of(rows).sortOrder('resource_service_name')]).toEqual(
          referenceOrder(rows, 'resource_service_name'),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('sorts by comparator when group numbers would not be exact doubles, in the same order', () => {
    // ranks need not be dense: with one of 2^31 − 2 and ~2,100 distinct fingerprints in 2,100 rows,
    // `group × rows + row` passes 2^53 and the comparator sort (the fallback) runs
    const rowOf = fc.record({
      rank: fc.constantFrom(0, 1, 2 ** 31 - 2),
      fp: fc.option(int64, { nil: null, freq: 50 }),
      ts: fc.oneof(int64, fc.bigInt({ min: 0n, max: 3n })),
    });
    fc.assert(
      fc.property(fc.array(rowOf, { minLength: 2_100, maxLength: 2_200 }), (rows) => {
        const fingerprints = new BigInt64Array(rows.map((r) => r.fp ?? 0n));
        const times = new BigInt64Array(rows.map((r) => r.ts));
        const order = sortOrder({
          length: rows.length,
          streamRank: Int32Array.from(rows, (r) => r.rank),
          hasFingerprint: Uint8Array.from(rows, (r) => (r.fp === null ? 0 : 1)),
          fingerprintWords: new Int32Array(fingerprints.buffer),
          tsnsWords: new Int32Array(times.buffer),
        });
        const expected = rows
          .map((_, i) => i)
          .sort((a, b) => {
            const ra = rows[a]!;
            const rb = rows[b]!;
            if (ra.rank !== rb.rank) return ra.rank - rb.rank;
            if (ra.fp !== rb.fp) {
              if (ra.fp === null) return -1;
              if (rb.fp === null) return 1;
              return ra.fp < rb.fp ? -1 : 1;
            }
            return ra.ts < rb.ts ? -1 : ra.ts > rb.ts ? 1 : a - b;
          });
        expect([...order]).toEqual(expected);
      }),
      { numRuns: 10, endOnFailure: true }, // shrinking 2,000-row arrays would take minutes
    );
  });

  it('keeps values past its dictionary cap, and starts empty again after clear()', () => {
    const rows = Array.from(
      { length: 10_000 },
      (_, i): CookedLog => ({
        chq_timestamp: 1_767_312_000_000 + i,
        chq_tsns: (1_767_312_000_000n + BigInt(i)) * 1_000_000n,
        chq_fingerprint: BigInt(i % 5),
        chq_telemetry_type: 'logs',
        chq_customer_id: 'acme',
        log_message: `request ${i}`,
        log_level: 'INFO',
        fields: { resource_service_name: `svc-${i % 3}`, attr_request_id: `req-${i}` },
      }),
    );
    const buffer = LogBuffer.of(rows);
    for (const i of [0, 4095, 4096, 9999]) expect(buffer.row(i)).toEqual(rows[i]);
    buffer.clear();
    expect(buffer.length).toBe(0);
    buffer.add(rows[7]!);
    expect(buffer.row(0)).toEqual(rows[7]);
    expect(buffer.fieldNames().sort()).toEqual(['attr_request_id', 'resource_service_name']);
  });
});
