/**
 * Traces in the lake: an OTLP/JSON traces file (as the Collector's file or S3 exporter writes one) becomes
 * a trace segment; one trace comes back by id, slow spans by search, and (with DuckDB installed) SQL
 * answers over the same segments. Part of the lake tour (examples/lake.ts).
 */
import type { StoragePort } from '../src/index.js';
import type { Lake } from '../src/lake/index.js';

const T0 = Date.parse('2026-01-02T10:00:00Z');
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** `count` checkout requests, one a minute: an HTTP server span with a database call under it. */
function checkoutRequests(count: number): string {
  const spans = [];
  for (let i = 1; i <= count; i++) {
    const start = BigInt(T0 + i * 60_000) * 1_000_000n;
    const ms = (n: number) => String(start + BigInt(n) * 1_000_000n);
    const slow = i % 10 === 0;
    spans.push(
      {
        traceId: hex(i, 32),
        spanId: hex(2 * i, 16),
        name: 'POST /checkout',
        kind: 2,
        startTimeUnixNano: ms(0),
        endTimeUnixNano: ms(slow ? 900 : 40),
        attributes: [str('http.request.method', 'POST'), str('url.template', '/checkout')],
        status: { code: 1 },
      },
      {
        traceId: hex(i, 32),
        spanId: hex(2 * i + 1, 16),
        parentSpanId: hex(2 * i, 16),
        name: 'INSERT orders',
        kind: 3,
        startTimeUnixNano: ms(5),
        endTimeUnixNano: ms(slow ? 880 : 25),
        attributes: [str('db.system.name', 'postgresql'), str('db.operation.name', 'INSERT')],
      },
    );
  }
  const resource = { attributes: [str('service.name', 'checkout')] };
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'shop' }, spans }] }] });
}

export async function traceTour(lake: Lake, port: StoragePort, log: (line: string) => void): Promise<void> {
  const key = 'otel-raw/acme/collector-1/traces_2026-01-02T10.json';
  await port.put(key, checkoutRequests(50));
  const ingested = await lake.ingestTraces(key);
  log(`ingested ${key}: ${ingested.spans} spans, ${ingested.segments.length} segment(s)`);

  const { spans, stats } = await lake.trace(hex(7, 32), { org: 'acme', from: T0, to: T0 + 3_600_000 });
  log(`trace ${hex(7, 32)}: ${spans.map((s) => `${s.span_name} ${s.span_duration}ms`).join(' → ')}`);
  log(`found with ${stats.indexReads} index read and ${stats.segmentsRead} segment read`);

  const slow = await lake.spans({
    org: 'acme',
    from: T0,
    to: T0 + 3_600_000,
    name: 'POST /checkout',
    minDurationMs: 500,
  });
  log(`checkouts slower than 500 ms: ${slow.spans.length}`);

  if ((await lake.engine()) === 'duckdb') {
    const { rows } = await lake.sql(
      'SELECT span_name, count(*) AS n, max(span_duration) AS worst FROM traces GROUP BY 1 ORDER BY 1',
      { org: 'acme', signal: 'traces', from: T0, to: T0 + 3_600_000 },
    );
    log(`SQL: ${rows.map((r) => `${r.span_name} n=${r.n} worst=${r.worst}ms`).join('; ')}`);
  }
}
