/**
 * The envelope OTLP logs and metrics share: an `Export*ServiceRequest` is a list of `Resource*` messages
 * (field 1), each a resource (field 1) and a list of scope messages (field 2, or the deprecated
 * `instrumentation_library_*` field 1000 of the same shape). The signal-specific parts read the scopes.
 */
import { throwIfAborted } from '../../errors.js';
import type { DecodedValue } from '../ingest/decoded.js';
import { decodeKeyValues, toDecodedRecord } from './any-value.js';
import { protobufFrames } from './frames.js';
import { ProtoReader, WIRE } from './wire.js';

/** The names of one signal's messages, as errors quote them. */
export interface OtlpSignalNames {
  /** e.g. `ExportLogsServiceRequest.resource_logs`. */
  readonly request: string;
  /** e.g. `ResourceLogs`. */
  readonly resource: string;
  /** e.g. `scope_logs`. */
  readonly scopes: string;
}

/**
 * The readers of each `Resource*` message in a request streamed as (gunzipped) chunks, one in memory at a
 * time (a larger one than `maxFrameBytes` is `Corrupt`).
 *
 * @example
 * ```ts
 * for await (const r of streamedResources(chunks, key, 64 << 20, signal)) yield* resourceLogs(r);
 * ```
 */
export async function* streamedResources(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  maxFrameBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<ProtoReader> {
  for await (const { reader } of protobufFrames(chunks, source, [1], maxFrameBytes)) {
    throwIfAborted(signal);
    yield reader;
  }
}

/**
 * The readers of each `Resource*` message in a request held in memory (an OTLP/HTTP body).
 *
 * @example
 * ```ts
 * for (const r of requestResources(body, 'OTLP logs request', LOG_NAMES)) yield* resourceLogs(r);
 * ```
 */
export function* requestResources(
  bytes: Uint8Array,
  source: string,
  names: OtlpSignalNames,
): Generator<ProtoReader> {
  const r = new ProtoReader(bytes, source);
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field !== 1) {
      r.skip(wire);
      continue;
    }
    r.expect(wire, WIRE.bytes, names.request);
    yield r.nested();
  }
}

/**
 * One `Resource*` message: its resource attributes (wherever the field sits) and the readers of its scopes.
 *
 * @example
 * ```ts
 * const { resource, scopes } = readResource(r, LOG_NAMES);
 * ```
 */
export function readResource(
  r: ProtoReader,
  names: OtlpSignalNames,
): { resource: Record<string, DecodedValue>; scopes: ProtoReader[] } {
  let resource: Record<string, DecodedValue> = Object.create(null);
  const scopes: ProtoReader[] = [];
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, `${names.resource}.resource`);
      resource = toDecodedRecord(decodeKeyValues(r.nested(), 1), resource);
    } else if (field === 2 || field === 1000) {
      r.expect(wire, WIRE.bytes, `${names.resource}.${names.scopes}`);
      scopes.push(r.nested());
    } else r.skip(wire);
  }
  return { resource, scopes };
}
