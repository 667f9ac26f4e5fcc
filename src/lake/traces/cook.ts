/**
 * Cooking spans into LakeRunner's span rows: attribute names through `normaliseName` under `resource_`,
 * `scope_` and `attr_`, times in ms beside the start in ns, a missing time replaced by now (duration 0),
 * and the span fingerprint.
 */
import xxhash, { type XXHashAPI } from 'xxhash-wasm';
import type { DecodedValue } from '../ingest/decoded.js';
import { stringifyValue } from '../ingest/normalise.js';
import { normaliseName } from '../names.js';
import type { DecodedSpan } from './decoded.js';
import type { SpanRow } from './row.js';

/** Turns a decoded span into its row; `fingerprint` comes from {@link createSpanCooker}. */
export type SpanCooker = (span: DecodedSpan, org: string, nowMs?: number) => SpanRow;

let loading: Promise<XXHashAPI> | undefined;

/**
 * The parts a span's fingerprint hashes (joined by `##`): cluster, namespace and service (`unknown` when
 * absent), the kind, then by the first pattern that applies: messaging (system, operation type,
 * destination), database (name, system, namespace, operation, server address, collection), HTTP (method,
 * URL template), else the span name. LakeRunner's rule (docs/design/db-parquet/traces.md).
 *
 * @example
 * ```ts
 * spanFingerprintParts(row); // ['unknown', 'prod', 'checkout', 'SPAN_KIND_SERVER', 'GET', '/cart/:id']
 * ```
 */
export function spanFingerprintParts(row: Pick<SpanRow, 'fields' | 'span_kind' | 'span_name'>): string[] {
  const f = row.fields;
  const get = (name: string) => f[name] ?? '';
  const parts = [
    f.resource_k8s_cluster_name ?? 'unknown',
    f.resource_k8s_namespace_name ?? 'unknown',
    f.resource_service_name ?? 'unknown',
    row.span_kind,
  ];
  if (f.attr_messaging_system !== undefined) {
    parts.push(
      get('attr_messaging_system'),
      get('attr_messaging_operation_type'),
      get('attr_messaging_destination_name'),
    );
  } else if (f.attr_db_system_name !== undefined) {
    parts.push(
      row.span_name,
      get('attr_db_system_name'),
      get('attr_db_namespace'),
      get('attr_db_operation_name'),
      get('attr_server_address'),
      get('attr_db_collection_name'),
    );
  } else if (f.attr_http_request_method !== undefined) {
    parts.push(get('attr_http_request_method'), get('attr_url_template'));
  } else parts.push(row.span_name);
  return parts;
}

/**
 * Loads the hash (xxhash64) once and returns the span cooker.
 *
 * @example
 * ```ts
 * const cook = await createSpanCooker();
 * const row = cook(span, 'acme');
 * ```
 */
export async function createSpanCooker(): Promise<SpanCooker> {
  loading ??= xxhash();
  const { h64 } = await loading;
  return (span, org, nowMs) => {
    const fields: Record<string, string> = {};
    addPrefixed(fields, 'resource_', span.resource);
    addPrefixed(fields, 'scope_', span.scope);
    addPrefixed(fields, 'attr_', span.attributes);
    const now = BigInt(nowMs ?? Date.now()) * 1_000_000n;
    const startNs = span.startNs > 0n ? span.startNs : now;
    const endNs = span.endNs > 0n ? span.endNs : now;
    const startMs = Number(startNs / 1_000_000n);
    const endMs = Number(endNs / 1_000_000n);
    const row: SpanRow = {
      chq_timestamp: startMs,
      chq_tsns: startNs,
      chq_fingerprint: 0n,
      chq_telemetry_type: 'traces',
      chq_customer_id: org,
      span_trace_id: span.traceId,
      span_id: span.spanId,
      span_parent_span_id: span.parentSpanId,
      span_name: span.name,
      span_kind: span.kind,
      span_status_code: span.statusCode,
      span_status_message: span.statusMessage,
      span_end_timestamp: endMs,
      span_duration: span.startNs > 0n && span.endNs > 0n ? endMs - startMs : 0,
      fields,
    };
    row.chq_fingerprint = BigInt.asIntN(64, h64(spanFingerprintParts(row).join('##')));
    return row;
  };
}

function addPrefixed(
  into: Record<string, string>,
  prefix: string,
  values: Readonly<Record<string, DecodedValue>>,
) {
  for (const name in values) {
    const text = stringifyValue(values[name]!);
    if (text !== undefined) into[prefix + normaliseName(name)] = text;
  }
}
