import { describe, expect, it } from 'vitest';
import { cookLog, fileColumns, normaliseName, parseTimestampNs } from '../../src/lake/index.js';
import { dateintOf, dateintsBetween, segmentKeys } from '../../src/lake/names.js';

describe('normaliseName (LakeRunner NormalizeName)', () => {
  it('lowercases ASCII and turns every other byte into one underscore, without collapsing', () => {
    expect(normaliseName('service.name')).toBe('service_name');
    expect(normaliseName('HTTP.Server.Duration')).toBe('http_server_duration');
    expect(normaliseName('foo  bar')).toBe('foo__bar');
    expect(normaliseName('@timestamp')).toBe('_timestamp');
    expect(normaliseName('é')).toBe('__'); // two UTF-8 bytes
  });
});

describe('parseTimestampNs', () => {
  it('reads epoch seconds, milliseconds, microseconds and nanoseconds by size', () => {
    expect(parseTimestampNs(1767323045)).toBe(1767323045000000000n);
    expect(parseTimestampNs(1767323045123)).toBe(1767323045123000000n);
    expect(parseTimestampNs('1767323045123456')).toBe(1767323045123456000n);
    expect(parseTimestampNs('1767323045123456789')).toBe(1767323045123456789n);
    expect(parseTimestampNs(1767323045.5)).toBe(1767323045500000000n);
  });
  it('reads RFC 3339 with nanoseconds and offsets, and refuses non-dates', () => {
    expect(parseTimestampNs('2026-01-02T03:04:05.123456789Z')).toBe(1767323045123456789n);
    expect(parseTimestampNs('2026-01-02 04:04:05+01:00')).toBe(1767323045000000000n);
    expect(parseTimestampNs('2026-01-02')).toBe(BigInt(Date.UTC(2026, 0, 2)) * 1_000_000n);
    expect(parseTimestampNs('Fri, 02 Jan 2026 03:04:05 GMT')).toBe(1767323045000000000n);
    for (const bad of ['', 'hello', '2026-13-40T99:00:00Z', null, {}, -5, Number.NaN]) {
      expect(parseTimestampNs(bad)).toBeUndefined();
    }
  });
});

describe('cookLog', () => {
  const file = {
    bucket: 'raw',
    key: 'otel-raw/acme/c1/Support/shop.example.com-2026/logs_1.binpb.gz',
    org: 'acme',
  };

  it('prefixes and normalises attribute names, stringifies values and adds the per-file columns', () => {
    const row = cookLog(
      {
        timestampNs: 1767323045123456789n,
        message: 'GET /x 200',
        level: 'INFO',
        resource: { 'service.name': 'shop', 'k8s.pod.ip': '10.0.0.1', replicas: 3 },
        scope: { name: 'otel.http' },
        attributes: { 'http.status_code': 200n, ok: true, gone: null, tags: '["a"]' },
      },
      file,
      fileColumns(file),
      { fingerprint: (m) => BigInt(m.length) },
    );
    expect(row).toEqual({
      chq_timestamp: 1767323045123,
      chq_tsns: 1767323045123456789n,
      chq_fingerprint: 10n,
      chq_telemetry_type: 'logs',
      chq_customer_id: 'acme',
      log_message: 'GET /x 200',
      log_level: 'INFO',
      fields: {
        resource_service_name: 'shop',
        resource_k8s_pod_ip: '10.0.0.1',
        resource_replicas: '3',
        scope_name: 'otel.http',
        attr_http_status_code: '200',
        attr_ok: 'true',
        attr_tags: '["a"]',
        resource_bucket_name: 'raw',
        resource_file_name: `./${file.key}`,
        resource_file_type: 'logs',
        resource_file: 'shop.example.com-2026',
        resource_customer_domain: 'shop.example.com',
      },
    });
  });

  it('takes the time from a cooked column, else now; leaves the fingerprint null without a fingerprinter', () => {
    const plain = { key: 'logs-raw/app-2.log.gz', bucket: 'b', org: 'o' };
    const base = { message: 'm', resource: {}, scope: {}, attributes: {} };
    const fromColumn = cookLog(
      { ...base, columns: { chq_timestamp: 1767323045123 } },
      plain,
      fileColumns(plain),
    );
    expect(fromColumn.chq_tsns).toBe(1767323045123000000n);
    expect(fromColumn.chq_fingerprint).toBeNull();
    expect(fromColumn.fields.resource_file).toBe('unknown');
    expect(fromColumn.fields.resource_file_type).toBe('app');
    const now = cookLog(base, plain, fileColumns(plain), { nowMs: 1767323045999 });
    expect(now.chq_timestamp).toBe(1767323045999);
    expect(now.log_level).toBeNull();
  });
});

describe('names', () => {
  it('bins by UTC day and builds LakeRunner keys with the hour of the first row', () => {
    const ms = Date.UTC(2026, 0, 2, 23, 59, 59);
    expect(dateintOf(ms)).toBe(20260102);
    expect(dateintsBetween(ms, ms + 2000)).toEqual([20260102, 20260103]);
    expect(segmentKeys({ org: 'acme', collector: 'c1', dateint: 20260102, firstMs: ms, id: '7' })).toEqual({
      table: 'db/acme/c1/20260102/logs/23/tbl_7.parquet',
      agg: 'db/acme/c1/20260102/logs/23/agg_7.parquet',
    });
  });
});
