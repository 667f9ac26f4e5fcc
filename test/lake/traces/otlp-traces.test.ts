/**
 * OTLP traces decoding and cooking: requests encoded by the OpenTelemetry JS SDK's own serializers
 * (protobuf and JSON) decode to the same spans, become LakeRunner's span rows, and get the span
 * fingerprint of their pattern; untrusted bytes either decode or are `Corrupt` (pinned seeds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import {
  createSpanCooker,
  type DecodedSpan,
  decodeOtlpTracesJsonRequest,
  decodeOtlpTracesRequest,
  spanFingerprintParts,
} from '../../../src/lake/traces/index.js';
import { recordCheckout, sdkSpans, T0_MS, tracesJson, tracesProtobuf } from './trace-fixtures.js';

const spans = await sdkSpans((p) => recordCheckout(p, T0_MS));
const protobuf = tracesProtobuf(spans);
const json = tracesJson(spans);
const decoded = [...decodeOtlpTracesRequest(protobuf, 'sdk.binpb')];
const byName = (name: string) => decoded.find((s) => s.name === name)!;

describe('OTLP traces decoders', () => {
  it('read the SDK protobuf request: ids, parents, kinds, status, times, attributes, resource and scope', () => {
    expect(decoded.map((s) => s.name).sort()).toEqual([
      'GET /cart/:id',
      'SELECT carts',
      'carts publish',
      'render',
    ]);
    const root = byName('GET /cart/:id');
    expect(root.traceId).toBe('00000000000000000000000000000001');
    expect(root.parentSpanId).toBe('');
    expect(root.kind).toBe('SPAN_KIND_SERVER');
    expect(root.statusCode).toBe('STATUS_CODE_OK');
    expect(root.startNs).toBe(BigInt(T0_MS) * 1_000_000n);
    expect(root.endNs).toBe(BigInt(T0_MS + 120) * 1_000_000n);
    expect(root.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': '/cart/:id',
      'http.response.status_code': 200,
    });
    expect(root.resource['service.name']).toBe('checkout');
    expect(root.resource['k8s.namespace.name']).toBe('prod');
    expect(root.scope).toMatchObject({ name: 'shop', version: '1.4.0' });
    const db = byName('SELECT carts');
    expect(db.parentSpanId).toBe(root.spanId);
    expect(db.traceId).toBe(root.traceId);
    expect(db.kind).toBe('SPAN_KIND_CLIENT');
    expect(db.statusCode).toBe('STATUS_CODE_ERROR');
    expect(db.statusMessage).toBe('deadlock detected');
    expect(byName('carts publish').kind).toBe('SPAN_KIND_PRODUCER');
    expect(byName('render').kind).toBe('SPAN_KIND_INTERNAL');
  });

  it('read the SDK JSON request as the same spans', () => {
    const fromJson = [...decodeOtlpTracesJsonRequest(JSON.parse(new TextDecoder().decode(json)), 'sdk.json')];
    expect(fromJson).toEqual(decoded);
  });

  it('read proto field names, base64 ids and enum names in JSON', () => {
    const request = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'api' } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: btoa(String.fromCharCode(...new Uint8Array(16).fill(0xab))),
                  span_id: 'abababababababab',
                  name: 'x',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: '1767322800000000000',
                  end_time_unix_nano: 1767322800001000000,
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    };
    const [span] = [...decodeOtlpTracesJsonRequest(request)] as DecodedSpan[];
    expect(span!.traceId).toBe('ab'.repeat(16));
    expect(span!.kind).toBe('SPAN_KIND_CONSUMER');
    expect(span!.statusCode).toBe('STATUS_CODE_ERROR');
    // a JSON number past 2^53 has already lost its last digits in JSON.parse (strings keep them)
    expect(Math.abs(Number(span!.endNs - span!.startNs) - 1_000_000)).toBeLessThan(256);
  });
});

describe('span rows', () => {
  it('have LakeRunner span columns and the fingerprint parts of their pattern', async () => {
    const cook = await createSpanCooker();
    const rows = decoded.map((s) => cook(s, 'acme'));
    const row = (name: string) => rows.find((r) => r.span_name === name)!;
    const root = row('GET /cart/:id');
    expect(root).toMatchObject({
      chq_timestamp: T0_MS,
      chq_telemetry_type: 'traces',
      chq_customer_id: 'acme',
      span_kind: 'SPAN_KIND_SERVER',
      span_end_timestamp: T0_MS + 120,
      span_duration: 120,
    });
    expect(root.fields).toMatchObject({
      resource_service_name: 'checkout',
      resource_k8s_namespace_name: 'prod',
      scope_name: 'shop',
      attr_http_request_method: 'GET',
      attr_url_template: '/cart/:id',
      attr_http_response_status_code: '200',
    });
    expect(spanFingerprintParts(root)).toEqual([
      'unknown',
      'prod',
      'checkout',
      'SPAN_KIND_SERVER',
      'GET',
      '/cart/:id',
    ]);
    expect(spanFingerprintParts(row('SELECT carts'))).toEqual([
      'unknown',
      'prod',
      'checkout',
      'SPAN_KIND_CLIENT',
      'SELECT carts',
      'postgresql',
      'shop',
      'SELECT',
      'db.internal',
      'carts',
    ]);
    expect(spanFingerprintParts(row('carts publish')).slice(4)).toEqual(['kafka', 'publish', 'carts']);
    expect(spanFingerprintParts(row('render')).slice(4)).toEqual(['render']);
    // the id depends on the pattern only: the same request on another trace gets the same fingerprints
    const again = (await sdkSpans((p) => recordCheckout(p, T0_MS + 60_000, 300))).map((s) => s);
    const againRows = [...decodeOtlpTracesRequest(tracesProtobuf(again))].map((s) => cook(s, 'acme'));
    const prints = (list: typeof rows) =>
      Object.fromEntries(list.map((r) => [r.span_name, r.chq_fingerprint]));
    expect(prints(againRows)).toEqual(prints(rows));
    expect(new Set(rows.map((r) => r.chq_fingerprint)).size).toBe(4);
  });

  it('a span without times gets now and duration 0, as LakeRunner does', async () => {
    const cook = await createSpanCooker();
    const span = { ...decoded[0]!, startNs: 0n, endNs: 0n };
    const row = cook(span, 'acme', T0_MS);
    expect(row.chq_timestamp).toBe(T0_MS);
    expect(row.span_duration).toBe(0);
  });
});

function outcome(bytes: Uint8Array): string {
  try {
    return `ok ${[...decodeOtlpTracesRequest(bytes, 'fuzz.binpb')].length}`;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

function jsonOutcome(text: string): string {
  try {
    return `ok ${[...decodeOtlpTracesJsonRequest(JSON.parse(text), 'fuzz.json')].length}`;
  } catch (err) {
    if (err instanceof SyntaxError) return 'not JSON';
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

describe('OTLP traces decoders on untrusted bytes', () => {
  it('random bytes decode or are Corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(outcome(bytes)).toMatch(/^(ok \d+|Corrupt)$/);
      }),
      { numRuns: 3000, seed: 1717 },
    );
  });

  it('mutated SDK requests decode or are Corrupt', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(protobuf.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (edits) => {
          const bytes = protobuf.slice();
          for (const [at, value] of edits) bytes[at] = value;
          expect(outcome(bytes)).toMatch(/^(ok \d+|Corrupt)$/);
        },
      ),
      { numRuns: 3000, seed: 1718 },
    );
  });

  it('a request cut anywhere is Corrupt or holds whole spans', () => {
    for (let cut = 0; cut < protobuf.length; cut++) {
      expect(outcome(protobuf.subarray(0, cut))).toMatch(/^(ok [0-4]|Corrupt)$/);
    }
  });

  it('mutated SDK JSON decodes, is not JSON, or is Corrupt', () => {
    const text = new TextDecoder().decode(json);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(text.length - 1), fc.constantFrom('"', '{', ']', '1', 'x', ',', ' ', '-')), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const chars = [...text];
          for (const [at, value] of edits) chars[at] = value;
          expect(jsonOutcome(chars.join(''))).toMatch(/^(ok \d+|Corrupt|not JSON)$/);
        },
      ),
      { numRuns: 2000, seed: 1719 },
    );
  });
});
